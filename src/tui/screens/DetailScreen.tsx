/** One deployment: its detail (polled) and the tail of its log; l opens the log, d destroys. */
import { useState } from 'react';
import type { DeploymentView } from '../../status/types.js';
import { updatedLabel } from '../components/chrome.js';
import { Detail } from '../components/Detail.js';
import { usePolling } from '../hooks.js';
import { movement, scrollBy } from '../navigation.js';
import { type ScreenProps, useLogs } from './screen-props.js';

export function DetailScreen(
  props: ScreenProps & {
    readonly deployment: DeploymentView;
    readonly onLogs: () => void;
    readonly onDestroy: () => void;
    readonly onRefresh: () => void;
  },
) {
  const { source, deployment } = props;
  const detail = usePolling(() => source.detail(deployment.id), props.intervalMs, props.now, deployment.id);
  const logs = useLogs(source, deployment.id, props.logLines, props.intervalMs, props.now);
  const [scroll, setScroll] = useState(0);
  props.keys.current = (input, key) => {
    if (input === 'q' || key.escape) props.onBack();
    else if (input === 'r') {
      detail.refresh();
      logs.refresh();
      props.onRefresh();
    } else if (input === 'l') props.onLogs();
    else if (input === 'd') props.onDestroy();
    else {
      const move = movement(input, key);
      if (move !== undefined) setScroll((value) => scrollBy(value, move, logs.data?.length ?? 0));
    }
  };
  return (
    <Detail
      deployment={deployment}
      detail={detail.data}
      detailError={detail.error}
      logs={logs.data}
      logsError={logs.error}
      logScroll={scroll}
      now={props.clock}
      width={props.width}
      height={props.height}
      updated={updatedLabel(detail.updatedAt, props.clock, detail.fetching)}
    />
  );
}
