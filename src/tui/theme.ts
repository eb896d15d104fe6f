/**
 * Colour is decoration only (every state is also spelled out in text), and it is off with
 * NO_COLOR, TERM=dumb or a non-terminal, decided once by the same rule as the rest of the CLI.
 */
import { createContext, useContext } from 'react';

export type Tone = 'red' | 'green' | 'yellow' | 'cyan' | 'gray';

export const ColorContext = createContext(true);

/** A colour name for Ink's `color` prop, or undefined when colour is off. */
export function useTone(): (tone: Tone | undefined) => Tone | undefined {
  const enabled = useContext(ColorContext);
  return (tone) => (enabled ? tone : undefined);
}

export function statusTone(status: string): Tone | undefined {
  if (status === 'running') return 'green';
  if (status === 'missing' || status === 'offline' || status === 'stopped') return 'red';
  if (status === 'unknown') return 'gray';
  return 'yellow';
}

export function healthTone(health: string): Tone | undefined {
  if (health === 'healthy') return 'green';
  if (health === 'unhealthy') return 'red';
  if (health === 'starting') return 'yellow';
  return 'gray';
}

export function severityTone(severity: string): Tone | undefined {
  if (severity === 'critical') return 'red';
  if (severity === 'warning') return 'yellow';
  return 'cyan';
}
