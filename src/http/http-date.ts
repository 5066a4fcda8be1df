/** The Date header value for the current second, or undefined before the first response of that second. */
let current: string | undefined;

/**
 * Returns the current time as an HTTP Date header value (IMF-fixdate), formatted once per second as
 * node:http does for its own Date header. Like node:http, it reads the system clock, not an injected one.
 */
export function httpDate(): string {
  if (current === undefined) {
    const now = new Date();
    current = now.toUTCString();
    // Cleared at the next second. The timer is unref'd, so it never keeps an idle process alive.
    setTimeout(forget, 1000 - now.getMilliseconds()).unref();
  }
  return current;
}

function forget(): void {
  current = undefined;
}
