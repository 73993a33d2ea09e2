/** A duration as the console shows it everywhere: `3 min 7 s`, with ` so far` while it lasts. */
export function formatSeconds(seconds: number, lasting = false): string {
  const whole = Math.max(0, Math.round(seconds));
  return `${Math.floor(whole / 60)} min ${whole % 60} s${lasting ? ' so far' : ''}`;
}
