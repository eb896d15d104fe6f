/** One deployment's log, full screen and scrollable (page = the screen's height). */
import { useState } from 'react';
import { updatedLabel } from '../components/chrome.js';
import { Logs } from '../components/Logs.js';
import { movement, scrollBy } from '../navigation.js';
import { type ScreenProps, useLogs } from './screen-props.js';

export function LogsScreen(props: ScreenProps & { readonly id: string; readonly title: string }) {
  const logs = useLogs(props.source, props.id, props.logLines, props.intervalMs, props.now);
  const [scroll, setScroll] = useState(0);
  const page = Math.max(1, props.height - 4);
  props.keys.current = (input, key) => {
    if (input === 'q' || key.escape) props.onBack();
    else if (input === 'r') logs.refresh();
    else {
      const move = movement(input, key, page);
      if (move !== undefined) setScroll((value) => scrollBy(value, move, logs.data?.length ?? 0));
    }
  };
  return (
    <Logs
      title={props.title}
      lines={logs.data}
      error={logs.error}
      scroll={scroll}
      width={props.width}
      height={props.height}
      updated={updatedLabel(logs.updatedAt, props.clock, logs.fetching)}
    />
  );
}
