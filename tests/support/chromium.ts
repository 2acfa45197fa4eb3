/**
 * Debian's Chromium for the browser tests, told once: where it lives, the flags it starts with,
 * and the note a suite prints when it is missing (the suite is then skipped, not failed).
 */
import { existsSync } from 'node:fs';

/** Where Debian's `chromium` package puts the browser (`.ci/run` installs it). */
export const CHROMIUM = '/usr/bin/chromium';

/** Whether that browser is installed here. */
export const hasChromium = existsSync(CHROMIUM);

/** Headless, and nothing that reaches the network or needs a sandbox (the machine is offline, as root). */
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run',
];

/** The suffix a test's name carries when it is skipped for want of the browser ('' when it runs). */
export const SKIPPED_NOTE = hasChromium ? '' : ` (skipped: ${CHROMIUM} not found; apt-get install -y chromium)`;

/** Says once, on stderr, which suite is skipped and why; does nothing where Chromium is installed. */
export function warnIfNoChromium(suite: string, what: string): void {
  if (!hasChromium) {
    console.warn(`${suite}: ${CHROMIUM} not found, so ${what} (tests skipped). Install it with \`apt-get install -y chromium\` (.ci/run does).`);
  }
}
