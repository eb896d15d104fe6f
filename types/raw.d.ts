// Text imports: `import script from './install.sh?raw'` gives the file's content.
// Vitest resolves `?raw` natively; scripts/build.mjs teaches esbuild the same suffix,
// so capability scripts stay real files on disk and still reach the pure planner.
declare module '*?raw' {
  const content: string;
  export default content;
}
