import Bowser from 'bowser';

/**
 * A readable name for the device a user agent describes ("Chrome on macOS"), or null when it names
 * no known browser (a script, an empty header).
 */
export function deviceOf(userAgent: string | null): string | null {
  if (!userAgent?.trim()) return null;
  const { browser, os } = Bowser.parse(userAgent);
  if (!browser.name) return null;
  return os.name ? `${browser.name} on ${os.name}` : browser.name;
}
