// Where the CLI writes and asks. Everything printed as text is escaped here; JSON goes through
// safeJson, in which nothing is left to escape.
import { createInterface } from 'node:readline/promises';
import { escapeTerminal } from '../core/textSafe';

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Asks a yes/no question on the terminal; undefined when there is no terminal. */
  confirm?: (question: string) => Promise<boolean>;
  /** Asks for a line of text on the terminal; undefined when there is no terminal. */
  ask?: (question: string) => Promise<string>;
}

/**
 * Control characters and bidi overrides from Docker or the database (names, labels, hosts, error
 * messages) are escaped, never sent raw to the terminal.
 */
export function safeIo(io: Io): Io {
  return {
    ...io,
    stdout: (t) => io.stdout(escapeTerminal(t)),
    stderr: (t) => io.stderr(escapeTerminal(t)),
    confirm: io.confirm && ((q) => io.confirm!(escapeTerminal(q))),
    ask: io.ask && ((q) => io.ask!(escapeTerminal(q))),
  };
}

function terminal(): boolean {
  return !!process.stdin.isTTY && !!process.stderr.isTTY;
}

async function question(q: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question(q);
  } finally {
    rl.close();
  }
}

/**
 * The process's own streams. Once stdout is closed by its reader (`decnet-reaper scan | head -1`)
 * nothing more is written to it, quietly: the command ends as it would have, with its own status.
 */
export function processIo(): Io {
  let stdoutClosed = false;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') stdoutClosed = true;
    else throw e;
  });
  process.stderr.on('error', () => undefined);
  return {
    stdout: (t) => {
      if (!stdoutClosed) process.stdout.write(`${t}\n`);
    },
    stderr: (t) => {
      if (!process.stderr.destroyed) process.stderr.write(`${t}\n`);
    },
    env: process.env,
    cwd: process.cwd(),
    confirm: terminal() ? async (q) => /^y(es)?$/i.test((await question(q)).trim()) : undefined,
    ask: terminal() ? question : undefined,
  };
}
