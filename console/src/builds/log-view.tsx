import { useEffect, useLayoutEffect, useRef, useState } from 'react';

const LINE_HEIGHT = 18;
const OVERSCAN = 20;

/**
 * A build log of any length: only the lines in view are in the page (100k lines stay smooth),
 * and it follows the end while the reader is at the end.
 */
export function LogView({ lines, label }: { lines: string[]; label: string }) {
  const box = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(400);
  const following = useRef(true);

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const observer = new ResizeObserver(() => setHeight(element.clientHeight));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  useLayoutEffect(() => {
    const element = box.current;
    if (element && following.current) element.scrollTop = element.scrollHeight;
  }, [lines.length]);

  const first = Math.max(0, Math.floor(scrollTop / LINE_HEIGHT) - OVERSCAN);
  const last = Math.min(lines.length, Math.ceil((scrollTop + height) / LINE_HEIGHT) + OVERSCAN);
  return (
    <div
      ref={box}
      className="log"
      role="log"
      aria-label={label}
      tabIndex={0}
      onScroll={(event) => {
        const element = event.currentTarget;
        setScrollTop(element.scrollTop);
        following.current = element.scrollTop + element.clientHeight >= element.scrollHeight - LINE_HEIGHT;
      }}
    >
      <div style={{ height: lines.length * LINE_HEIGHT, position: 'relative' }}>
        <pre
          style={{ position: 'absolute', top: first * LINE_HEIGHT, left: 0, right: 0, margin: 0, lineHeight: `${LINE_HEIGHT}px` }}
        >
          {lines.slice(first, last).join('\n')}
        </pre>
      </div>
    </div>
  );
}
