/** Quiet hours as stored: local "HH:MM" times in an IANA time zone; the span may cross midnight. */
export interface QuietHours {
  start: string;
  end: string;
  timeZone: string;
}

const MINUTE = 60_000;

/** The wall-clock date and time at `instant` in `timeZone`. */
function localParts(instant: number, timeZone: string) {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(instant);
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((part) => part.type === type)?.value);
  return {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    hour: get('hour'),
    minute: get('minute'),
    second: get('second'),
  };
}

/** How far `timeZone`'s wall clock is ahead of UTC at `instant`, in ms. */
function offsetAt(instant: number, timeZone: string): number {
  const p = localParts(instant, timeZone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant a wall-clock time happens in `timeZone` (the offset is looked up twice, so a time just
 * after a DST change lands right; a time inside a spring-forward gap lands an hour off, still after it).
 */
function instantOf(year: number, month: number, day: number, minutes: number, timeZone: string): number {
  const asUtc = Date.UTC(year, month - 1, day, 0, minutes);
  const first = asUtc - offsetAt(asUtc, timeZone);
  return asUtc - offsetAt(first, timeZone);
}

function minutesOf(time: string): number {
  const [hours = 0, minutes = 0] = time.split(':').map(Number);
  return hours * 60 + minutes;
}

/**
 * When the quiet hours that contain `now` end (epoch ms), or undefined when `now` is outside them.
 * `start` is inside the span, `end` is not.
 */
export function quietUntil(quiet: QuietHours, now: number): number | undefined {
  const local = localParts(now, quiet.timeZone);
  const minute = local.hour * 60 + local.minute;
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  const crossesMidnight = start > end;
  const inside = crossesMidnight ? minute >= start || minute < end : minute >= start && minute < end;
  if (!inside) return undefined;
  const endsTomorrow = crossesMidnight && minute >= start;
  const endDay = new Date(Date.UTC(local.year, local.month - 1, local.day + (endsTomorrow ? 1 : 0)));
  const until = instantOf(
    endDay.getUTCFullYear(),
    endDay.getUTCMonth() + 1,
    endDay.getUTCDate(),
    end,
    quiet.timeZone,
  );
  // A DST change inside the span can move the computed end before now: then wait a minute and look again.
  return until > now ? until : now + MINUTE;
}
