// How long a long-running command (the simulator) lives: until a signal (SIGINT, SIGTERM, SIGHUP)
// or until the command that started it is gone, even when that command was SIGKILLed and could
// forward nothing. "The command" is the chain of ancestors in this process's process group: for
// `npx thinksafe simulate` typed at a shell, npm's exec and the `sh -c` it runs (the shell itself
// leads another group; its hangup arrives as SIGHUP). When one of them ends, the processes below it
// are re-parented, so the chain read from /proc changes; it is polled twice a second. Where /proc
// is absent (macOS), the parent at start is checked instead.
import { readFileSync } from "node:fs";

export type StopReason = NodeJS.Signals | "parent-exited";

interface ProcStat {
  ppid: number;
  pgid: number;
}

/** `/proc/<pid>/stat`'s parent and process group (the fields after the parenthesised command name). */
function procStat(pid: number | "self"): ProcStat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { ppid: Number(fields[1]), pgid: Number(fields[2]) };
  } catch {
    return null;
  }
}

/** This process's parent now (Node's `process.ppid` is read once and cached). */
function liveParent(): number | null {
  return procStat("self")?.ppid ?? null;
}

/** The parent when this process started: recorded by bin.js before anything slow, else the parent now. */
function startParent(): number {
  const recorded = (globalThis as { thinksafeStartParent?: unknown }).thinksafeStartParent;
  return typeof recorded === "number" ? recorded : (liveParent() ?? process.ppid);
}

/** The first `count` ancestors, nearest first (fewer when the chain ends at pid 1 or /proc is unreadable). */
function ancestors(count: number): number[] {
  const chain: number[] = [];
  let pid = liveParent() ?? 0;
  while (chain.length < count && pid > 1) {
    chain.push(pid);
    const stat = procStat(pid);
    if (!stat) break;
    pid = stat.ppid;
  }
  return chain;
}

/** The ancestors in this process's group: the command that started it, up to the group's leader. */
export function commandChain(): number[] {
  const self = procStat("self");
  if (!self) return [];
  const chain: number[] = [];
  let pid = self.ppid;
  while (pid > 1) {
    const stat = procStat(pid);
    if (!stat || stat.pgid !== self.pgid) break;
    chain.push(pid);
    pid = stat.ppid;
  }
  return chain;
}

/** Whether a process is still there (signal 0 checks without sending). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Resolves with why to stop: the first of SIGINT, SIGTERM or SIGHUP, or "parent-exited" when the
 * command that started this process ends (or had ended before the watch began). A process that
 * leads its own process group (started detached, e.g. with `setsid -f`) is watched for signals only.
 * Listeners and the timer are removed when it resolves.
 */
export function untilStopped(options: { pollMs?: number } = {}): Promise<StopReason> {
  const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  const self = procStat("self");
  let gone: () => boolean;
  if (!self) {
    const parent = startParent();
    gone = () => !alive(parent);
  } else if (self.pgid === process.pid) {
    gone = () => false;
  } else if (self.ppid !== startParent()) {
    gone = () => true;
  } else {
    const watched = commandChain();
    gone = () => watched.length > 0 && ancestors(watched.length).join(" ") !== watched.join(" ");
  }
  return new Promise((resolve) => {
    const stop = (reason: StopReason) => {
      clearInterval(timer);
      for (const signal of signals) process.off(signal, stop);
      resolve(reason);
    };
    for (const signal of signals) process.on(signal, stop);
    const timer = setInterval(() => {
      if (gone()) stop("parent-exited");
    }, options.pollMs ?? 500);
    timer.unref();
  });
}
