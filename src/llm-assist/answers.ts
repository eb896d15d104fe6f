/** The two extra answers --llm-assist needs: from flags, asked on a terminal when missing. */
import { createInterface } from 'node:readline/promises';

export interface LlmAnswers {
  readonly serviceDescription: string;
  /** Comma-separated, as typed. */
  readonly dependencies: string;
}

export type AskLine = (question: string, fallback: string) => Promise<string>;

export interface LlmAnswersInput {
  readonly fallbackDescription: string;
  readonly serviceDescription: string | undefined;
  readonly dependencies: string | undefined;
  readonly interactive: boolean;
  /** Defaults to a readline prompt on stderr. */
  readonly ask?: AskLine;
}

export async function llmAnswers(input: LlmAnswersInput): Promise<LlmAnswers> {
  const { serviceDescription, dependencies } = input;
  if (!input.interactive || (serviceDescription !== undefined && dependencies !== undefined)) {
    return {
      serviceDescription: serviceDescription ?? input.fallbackDescription,
      dependencies: dependencies ?? '',
    };
  }
  const readline = input.ask ? undefined : createInterface({ input: process.stdin, output: process.stderr });
  const ask: AskLine =
    input.ask ??
    (async (question, fallback) =>
      (await readline!.question(`${question}${fallback ? ` [${fallback}]` : ''}: `)).trim() || fallback);
  try {
    return {
      serviceDescription:
        serviceDescription ?? (await ask('What does the service do', input.fallbackDescription)),
      dependencies: dependencies ?? (await ask('Dependencies (e.g. redis, postgres, python)', '')),
    };
  } finally {
    readline?.close();
  }
}
