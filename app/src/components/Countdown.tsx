import { useEffect, useState } from "react";

function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => Math.floor(Date.now() / 1000));
  useEffect(() => {
    const id = setInterval(() => setNow(Math.floor(Date.now() / 1000)), intervalMs);
    return () => clearInterval(id);
  }, [intervalMs]);
  return now;
}

export function formatRemaining(seconds: number): string {
  const s = Math.max(0, seconds);
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3_600);
  const m = Math.floor((s % 3_600) / 60);
  const sec = s % 60;
  if (d) return `${d}d ${h}h ${m}m`;
  if (h) return `${h}h ${m}m ${sec}s`;
  if (m) return `${m}m ${sec}s`;
  return `${sec}s`;
}

/** "in 4m 10s" until `deadline` (unix seconds, this machine's clock), then "passed". */
export function Countdown({ deadline }: { deadline: number }) {
  const now = useNow();
  const left = deadline - now;
  return (
    <span className={left > 0 ? "countdown" : "countdown passed"} title={new Date(deadline * 1000).toISOString()}>
      {left > 0 ? `in ${formatRemaining(left)}` : "passed"}
    </span>
  );
}

export { useNow };
