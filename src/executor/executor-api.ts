// What the rest of sightline sees of the executor (DESIGN.md "Safety"): actions go in, results come
// out, and the safety policy sits in between. Agents, the WebSocket commands, the MCP server and
// the viewer all submit through this one interface; none of them talks to an input backend.
import type { Observable } from 'rxjs';
import type { Action, ActionInput, ActionResult, ActionSource } from '../grounding/action.js';

/** propose (default): emitted, never executed; confirm: waits for approve/reject; auto: allow-listed, rate-limited. */
export const EXECUTOR_MODES = ['propose', 'confirm', 'auto'] as const;
export type ExecutorMode = (typeof EXECUTOR_MODES)[number];

export interface SubmitOptions {
  source: ActionSource;
  /** The frame the action was decided on; the newest frame when absent. */
  seq?: number;
  /** Who submitted it (a WebSocket client id, an agent's name, `cli`). */
  submittedBy?: string;
  /** The goal or request it serves, for the audit log. */
  goalId?: string;
  /** Time already spent before the executor saw it. */
  timings?: { perceiveMs?: number; decideMs?: number };
}

/** An action as the executor announces it: validated, with its id, before any decision. */
export interface SubmittedAction {
  action: Action & { id: string };
  seq: number;
  options: SubmitOptions;
}

export interface ActionExecutor {
  readonly mode: ExecutorMode;
  /**
   * Validates, resolves and (by mode) proposes, waits for approval or runs the action. Resolves with
   * its final result — `proposed` at once in propose mode; never rejects for a bad or refused action.
   */
  submit(action: ActionInput, options: SubmitOptions): Promise<ActionResult>;
  /** confirm mode: approve or reject a pending action by id; false when no such action waits. */
  approve(actionId: string, by: string): boolean;
  reject(actionId: string, by: string, reason?: string): boolean;
  /** Pre-empts input in flight (every held key and button released) and refuses input until resume(). */
  stop(reason?: string): Promise<void>;
  resume(): void;
  /** Why input is refused now (`stopped`, `takeover`), or null when it is allowed. */
  readonly halted: string | null;
  /** Every submitted action, as soon as it is validated (the `action` topic). */
  readonly actions: Observable<SubmittedAction>;
  /** Every result, including intermediate `pending` (the `action_result` topic). */
  readonly results: Observable<ActionResult>;
}
