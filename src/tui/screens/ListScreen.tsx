/** The deployment list (the dashboard's home); its keys are the dispatcher's (navigation.ts). */

import type { DeploymentView } from '../../status/types.js';
import { updatedLabel } from '../components/chrome.js';
import { Dashboard } from '../components/Dashboard.js';
import type { Polled } from '../hooks.js';

export function ListScreen(props: {
  readonly list: Polled<readonly DeploymentView[]>;
  readonly selected: number;
  readonly clock: number;
  readonly width: number;
  readonly height: number;
  readonly notice: string | undefined;
}) {
  const { list } = props;
  return (
    <Dashboard
      deployments={list.data}
      selected={props.selected}
      now={props.clock}
      width={props.width}
      height={props.height}
      updated={updatedLabel(list.updatedAt, props.clock, list.fetching)}
      error={list.error}
      notice={props.notice}
    />
  );
}
