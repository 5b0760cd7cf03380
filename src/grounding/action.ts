// The one Action schema (DESIGN.md "Core contracts"): parsers produce it, the protocol carries it,
// the executor checks and runs it, the agents decide in it. A leaf: it imports nothing of the
// runtime, so every folder may depend on it.
//
// A target names its coordinate space explicitly; nothing guesses whether `[500, 300]` is pixels
// or 0–999. Resolving a target to a screen point is coords.ts's job (one module owns every
// transform); the executor records where it resolved to on the ActionResult.
import { z } from 'zod';

/** Where an action came from (the audit log and the viewer show it). */
export const ACTION_SOURCES = ['ocr', 'vlm', 'remote', 'client', 'rule'] as const;
export type ActionSource = (typeof ACTION_SOURCES)[number];

/**
 * Coordinate spaces a target may be given in:
 * - `element-id`: an element of the perceived set, by id (DeepSeek-VL v1, the agents, clients);
 * - `norm-999`: integers 0..999 over the original image (DeepSeek-VL2 `<|det|>`, reference §7.1);
 * - `norm-1000`: 0..1000 over the image (UI-TARS and Qwen-style models);
 * - `norm-1`: 0..1 fractions of the image;
 * - `px-of-sent-image`: pixels of the (letterboxed or resized) image actually sent to the model;
 * - `frame-px`: physical pixels of the captured frame;
 * - `screen-px`: physical pixels of the virtual desktop (all monitors, origin may be negative).
 */
export const COORDINATE_SPACES = ['element-id', 'norm-999', 'norm-1000', 'norm-1', 'px-of-sent-image', 'frame-px', 'screen-px'] as const;
export type CoordinateSpace = (typeof COORDINATE_SPACES)[number];

const finite = z.number().finite();
const numericSpace = z.enum(COORDINATE_SPACES).exclude(['element-id']);

export const pointTargetSchema = z.strictObject({
  kind: z.literal('point'),
  space: numericSpace,
  /** [x, y] */
  values: z.tuple([finite, finite]),
  /** What the point was grounded on (a model's `<|ref|>` text, an element's label), if known. */
  label: z.string().max(512).optional(),
});

export const boxTargetSchema = z.strictObject({
  kind: z.literal('box'),
  space: numericSpace,
  /** [x1, y1, x2, y2], corners inclusive-exclusive as the space defines; resolved to its centre. */
  values: z.tuple([finite, finite, finite, finite]),
  label: z.string().max(512).optional(),
});

export const elementTargetSchema = z.strictObject({
  kind: z.literal('element'),
  space: z.literal('element-id'),
  /** The element's id as published in `elements` events. */
  id: z.string().min(1).max(64),
  label: z.string().max(512).optional(),
});

export const targetSchema = z.discriminatedUnion('kind', [pointTargetSchema, boxTargetSchema, elementTargetSchema]);
export type Target = z.infer<typeof targetSchema>;
export type PointTarget = z.infer<typeof pointTargetSchema>;
export type BoxTarget = z.infer<typeof boxTargetSchema>;
export type ElementTarget = z.infer<typeof elementTargetSchema>;

/** Fields every action may carry. */
const actionBase = {
  /** Assigned by the executor when absent; echoed on `action` and `action_result` events. */
  id: z.string().min(1).max(64).optional(),
  /** The model's or agent's reason, shown to the person approving. */
  thought: z.string().max(4096).optional(),
  /** 0..1, when the source gives one. */
  confidence: z.number().min(0).max(1).optional(),
  source: z.enum(ACTION_SOURCES).optional(),
};

/** Keyboard modifiers held during a pointer action. */
export const MODIFIERS = ['ctrl', 'shift', 'alt', 'meta'] as const;
const modifiers = z.array(z.enum(MODIFIERS)).max(4).optional();

/** Longest text one `type` action may carry (the executor chunks it; stop interrupts between chunks). */
export const MAX_TYPE_CHARS = 20_000;

export const clickActionSchema = z.strictObject({ ...actionBase, type: z.literal('click'), target: targetSchema, modifiers });
export const doubleClickActionSchema = z.strictObject({ ...actionBase, type: z.literal('double_click'), target: targetSchema, modifiers });
export const rightClickActionSchema = z.strictObject({ ...actionBase, type: z.literal('right_click'), target: targetSchema, modifiers });
export const moveActionSchema = z.strictObject({ ...actionBase, type: z.literal('move'), target: targetSchema });
export const dragActionSchema = z.strictObject({ ...actionBase, type: z.literal('drag'), from: targetSchema, to: targetSchema });
export const scrollActionSchema = z.strictObject({
  ...actionBase,
  type: z.literal('scroll'),
  /** Where the pointer goes before scrolling; the current pointer position when absent. */
  target: targetSchema.optional(),
  direction: z.enum(['up', 'down', 'left', 'right']),
  /** Wheel notches. */
  amount: z.number().int().min(1).max(100).default(3),
});
export const typeActionSchema = z.strictObject({
  ...actionBase,
  type: z.literal('type'),
  text: z.string().min(1).max(MAX_TYPE_CHARS),
  /** Clicked first to focus it, when given. */
  target: targetSchema.optional(),
  /** Press Enter after the text. */
  submit: z.boolean().optional(),
});
export const keyActionSchema = z.strictObject({
  ...actionBase,
  type: z.literal('key'),
  /** One chord, `+`-joined, lower-case names: `enter`, `ctrl+s`, `ctrl+shift+t`, `alt+f4`, `pagedown`. */
  keys: z.string().min(1).max(64),
});
export const waitActionSchema = z.strictObject({
  ...actionBase,
  type: z.literal('wait'),
  /** Milliseconds to wait, or the longest to wait for `until`. */
  ms: z.number().int().min(0).max(600_000).optional(),
  /** Text that must appear on screen (or disappear, with `gone: true`). */
  until: z.string().min(1).max(512).optional(),
  gone: z.boolean().optional(),
});
export const narrateActionSchema = z.strictObject({
  ...actionBase,
  type: z.literal('narrate'),
  text: z.string().min(1).max(4096),
  level: z.enum(['polite', 'assertive']).optional(),
});
export const answerActionSchema = z.strictObject({ ...actionBase, type: z.literal('answer'), text: z.string().max(65_536) });
export const doneActionSchema = z.strictObject({ ...actionBase, type: z.literal('done'), summary: z.string().max(4096).optional() });
export const failActionSchema = z.strictObject({ ...actionBase, type: z.literal('fail'), reason: z.string().min(1).max(4096) });

export const actionSchema = z.discriminatedUnion('type', [
  clickActionSchema,
  doubleClickActionSchema,
  rightClickActionSchema,
  moveActionSchema,
  dragActionSchema,
  scrollActionSchema,
  typeActionSchema,
  keyActionSchema,
  waitActionSchema,
  narrateActionSchema,
  answerActionSchema,
  doneActionSchema,
  failActionSchema,
]);

export type Action = z.infer<typeof actionSchema>;
/** What a producer writes (defaults such as scroll `amount` may be omitted). */
export type ActionInput = z.input<typeof actionSchema>;
export type ActionType = Action['type'];
export const ACTION_TYPES = actionSchema.options.map((o) => o.shape.type.value) as ActionType[];

/** Actions that move the pointer or press keys: only these ever reach an input backend. */
export const INPUT_ACTION_TYPES = ['click', 'double_click', 'right_click', 'move', 'drag', 'scroll', 'type', 'key'] as const satisfies readonly ActionType[];
export type InputActionType = (typeof INPUT_ACTION_TYPES)[number];
export function isInputAction(action: Action): action is Extract<Action, { type: InputActionType }> {
  return (INPUT_ACTION_TYPES as readonly string[]).includes(action.type);
}

/** A screen point in physical pixels of the virtual desktop. */
export interface ScreenPoint {
  x: number;
  y: number;
}

/** Where a target resolved to, recorded on every executed (and proposed) action. */
export const resolvedTargetSchema = z.object({
  /** Physical pixels of the virtual desktop (what the input backend is told). */
  screen: z.object({ x: z.number().int(), y: z.number().int() }),
  /** The same point in the frame it was computed on. */
  frame: z.object({ x: z.number(), y: z.number() }),
  displayId: z.string(),
  /** seq of the frame the target was resolved on. */
  seq: z.number().int().nonnegative(),
  /** The element under the point, when one is. */
  elementId: z.string().optional(),
  elementText: z.string().optional(),
  confidence: z.number().min(0).max(1),
});
export type ResolvedTarget = z.infer<typeof resolvedTargetSchema>;

export const ACTION_STATUSES = [
  /** propose mode: emitted for a person or client, never executed. */
  'proposed',
  /** confirm mode: waiting for approve / reject. */
  'pending',
  'executed',
  'rejected',
  /** The policy refused it (sensitive, not allow-listed, rate limit, loop, outside the display). */
  'refused',
  /** No approval arrived in time. */
  'expired',
  /** Pre-empted by `stop`, or submitted while stopped or taken over. */
  'stopped',
  /** The target did not resolve or the backend failed. */
  'failed',
] as const;
export type ActionStatus = (typeof ACTION_STATUSES)[number];

export const actionResultSchema = z.object({
  actionId: z.string(),
  status: z.enum(ACTION_STATUSES),
  /** Why it was refused, rejected or failed, in one sentence. */
  reason: z.string().optional(),
  /** A stable code for `reason` (`ERR_ACTION_SENSITIVE`, `ERR_ACTION_LOOP`, ...). */
  code: z.string().optional(),
  executed: z.boolean(),
  /** One per resolved target (drag has two). */
  resolved: z.array(resolvedTargetSchema),
  /** After execution: did the screen change in or near the target, and where. */
  screenChanged: z.boolean().optional(),
  where: z.array(z.object({ x: z.number().int(), y: z.number().int(), width: z.number().int(), height: z.number().int() })).optional(),
  verifiedBy: z.enum(['tiles', 'reread', 'none']).optional(),
  /** Who approved (a client id, `auto`, `cli`), in confirm and auto modes. */
  approvedBy: z.string().optional(),
  /** Per-stage latency: perceive → decide → act (→ verify). */
  latency: z.object({ perceiveMs: z.number().optional(), decideMs: z.number().optional(), actMs: z.number().optional(), verifyMs: z.number().optional() }),
});
export type ActionResult = z.infer<typeof actionResultSchema>;
