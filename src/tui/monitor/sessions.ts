/**
 * Deploys started from the wizard during this dashboard session. Each runs on its own (the
 * screens only watch it), and the deployment list refreshes when one creates its instance and
 * when it finishes, so it appears there without waiting for the next interval.
 */
import { useCallback, useRef } from 'react';
import type { WizardAnswers, WizardBackend } from '../wizard/types.js';
import { MonitorSession } from './model.js';

export interface DeploySessions {
  /** Starts writing and deploying; returns the session the monitor shows. */
  start(answers: WizardAnswers): MonitorSession;
  /** The most recently started session (the `m` key reopens its monitor). */
  last(): MonitorSession | undefined;
}

export function useDeploySessions(
  backend: WizardBackend | undefined,
  now: () => number,
  onListChanged: () => void,
): DeploySessions {
  const latest = useRef<MonitorSession | undefined>(undefined);
  const listChanged = useRef(onListChanged);
  listChanged.current = onListChanged;
  const start = useCallback(
    (answers: WizardAnswers) => {
      const session = new MonitorSession(
        `${answers.appName} / ${answers.envName} · ${answers.template.name} · ${answers.type} in ${answers.region}`,
        now(),
      );
      let listed = false;
      session.subscribe(() => {
        const state = session.state;
        if ((state.deployment && !listed) || state.outcome) {
          listed = state.deployment !== undefined;
          listChanged.current();
        }
      });
      latest.current = session;
      // start() never rejects: failures become the session's outcome.
      void backend?.start(answers, session);
      return session;
    },
    [backend, now],
  );
  const last = useCallback(() => latest.current, []);
  return { start, last };
}
