import { createInterface, type Interface } from 'node:readline';
import { Writable } from 'node:stream';

import MuteStream from 'mute-stream';

import { InputError } from './input-error.js';

/** Raised when Ctrl+C is pressed at a password prompt. */
export class PromptInterruptedError extends Error {
  constructor() {
    super('the password entry was interrupted with Ctrl+C');
    this.name = 'PromptInterruptedError';
  }
}

/** A prompt on screen that waits for its line. */
interface PendingPrompt {
  resolve(line: string): void;
  reject(error: Error): void;
}

/**
 * Password prompts on the terminal (standard input, standard error) that share one readline interface, so a
 * line typed or pasted before its prompt shows is kept for that prompt instead of being lost. Each typed
 * character shows as `*`. Call `close` when done, because it ends raw mode and stops reading.
 */
export class PasswordPrompt {
  private readonly readline: Interface;
  /** Lines entered while no prompt was waiting, oldest first. */
  private readonly typedAhead: string[] = [];
  private pending: PendingPrompt | null = null;
  /** Mask for readline's echo at the prompt on screen, or null between prompts, when the echo is dropped. */
  private mask: MuteStream | null = null;
  /** Error that every later prompt raises, set once the input ends or Ctrl+C is pressed. */
  private failure: Error | null = null;

  constructor() {
    this.readline = createInterface({
      input: process.stdin,
      output: new EchoOutput((text) => this.mask?.write(text)),
      // NOTE: with TERM=dumb, Node 20's readline does no line editing, so a backspace becomes part of the password.
      terminal: true,
      // Readline keeps entered lines in memory for the up-arrow key, and passwords have no place there.
      historySize: 0,
    });
    this.readline.on('line', (line) => this.receive(line));
    // Without a 'SIGINT' listener, readline closes the interface on Ctrl+C, which would read as the end of input.
    this.readline.on('SIGINT', () => this.stop(new PromptInterruptedError()));
    // Ctrl+D on an empty line, or the end of standard input, closes the interface.
    this.readline.on('close', () => this.stop(inputEndedError()));
    this.readline.on('error', (error) => this.stop(inputEndedError(error)));
  }

  /** Shows `prompt` and resolves to the next line entered, which may have been typed before the prompt showed. */
  ask(prompt: string): Promise<string> {
    const typed = this.typedAhead.shift();
    if (typed === undefined && this.failure !== null) return Promise.reject(this.failure);

    // Given the prompt, mute-stream leaves it readable when readline redraws the line after a backspace.
    const mask = new MuteStream({ replace: '*', prompt });
    mask.on('data', (text: string) => process.stderr.write(text));
    mask.mute();
    process.stderr.write(prompt);
    if (typed !== undefined) {
      mask.write(typed);
      process.stderr.write('\n');
      return Promise.resolve(typed);
    }

    this.readline.setPrompt(prompt);
    // Keys typed after the last line but before this prompt were not echoed, so show them now.
    mask.write(this.readline.line);
    this.mask = mask;
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
    });
  }

  /** Stops reading the terminal and restores its mode. Safe to call more than once. */
  close(): void {
    this.readline.close();
  }

  private receive(line: string): void {
    const pending = this.pending;
    if (pending === null) {
      this.typedAhead.push(line);
      return;
    }
    this.pending = null;
    this.mask = null;
    pending.resolve(line);
  }

  private stop(failure: Error): void {
    this.failure ??= failure;
    const pending = this.pending;
    this.pending = null;
    this.mask = null;
    // Closing emits 'close', which calls this method again: by then nothing is pending.
    this.readline.close();
    if (pending === null) return;
    // The cursor is still after the prompt: the error message, or the shell, starts on the next line.
    process.stderr.write('\n');
    pending.reject(this.failure);
  }
}

function inputEndedError(cause?: Error): InputError {
  return new InputError('The input ended before a password was entered, so nothing was changed.', cause === undefined ? undefined : { cause });
}

/**
 * Readline's output, which passes each echo to `show`. Readline keeps one output for its whole life, but
 * mute-stream takes the prompt only in its constructor, so each prompt needs its own mask behind this.
 */
class EchoOutput extends Writable {
  constructor(private readonly show: (text: string) => void) {
    super({ decodeStrings: false });
  }

  /** Terminal width, which readline needs to redraw a line that wraps. */
  get columns(): number | undefined {
    return process.stderr.columns;
  }

  override _write(chunk: string, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.show(chunk);
    callback();
  }
}
