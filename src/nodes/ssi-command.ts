/**
 * ssi-command: any method of the catalogue, fixed in the node or, with 'msg', named by msg.method; msg.payload is
 * its params. Financial and report methods run to their outcome (msg.payload: the final GetLastResult or
 * GetLastReport, whatever it says); the others are one exchange (msg.payload: the normalised response).
 */
import { type EcrResponse, getMethod, isApproved, isPolled, unchecked, validateRequest } from '../core';
import { invalid } from '../core/internal';
import { settingOrMsg } from './lib/choice';
import { attachTerminal, type OperationContext } from './lib/flow-node';
import { errorReason, outcomeReason } from './lib/reasons';
import type { Node, NodeAPI, NodeDef, NodeMessage } from './lib/red';

/** msg.payload as params: an object, or nothing (also for a method without params, e.g. an inject timestamp). */
function paramsOf(payload: unknown, method: string, takesParams: boolean): Record<string, unknown> | undefined {
  if (payload && typeof payload === 'object' && !Array.isArray(payload)) return payload as Record<string, unknown>;
  if (!takesParams || payload === undefined || payload === null || payload === '') return undefined;
  throw invalid('ssi-command', 'payload', `must be an object of ${method} request keys`, { value: payload, method });
}

function shape(msg: NodeMessage, name: string, response: EcrResponse, ctx: OperationContext): NodeMessage {
  msg.payload = response;
  msg.ecr = { method: name, response };
  const ok = getMethod(name)?.group === 'financial' ? isApproved(response) : !response.error;
  const reason =
    getMethod(name)?.group === 'financial'
      ? outcomeReason(response.params, response.errorCode)
      : (errorReason(response.errorCode) ?? 'terminal-error');
  ctx.badge(
    ok ? { fill: 'green', shape: 'dot', text: `✔ ${ctx.t('status.done')}` } : { fill: 'red', shape: 'ring', text: `✘ ${ctx.t(`reason.${reason}`)}` },
  );
  return msg;
}

export = function register(RED: NodeAPI): void {
  function SsiCommandNode(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    attachTerminal(
      RED,
      this,
      def,
      async (msg, ctx) => {
        const method = settingOrMsg(def.method ?? 'msg', () => msg.method);
        // A method the catalogue does not know gets the core's UNKNOWN_METHOD error, before anything is sent.
        const spec = getMethod(String(method)) ?? validateRequest(method).spec;
        const name = spec.name;
        const params = paramsOf(msg.payload, name, Object.keys(spec.params).length > 0);
        // msg.payload's keys: checked when the call runs, as a JavaScript caller's (no payload and {} ask the same).
        const response = isPolled(spec)
          ? await ctx.transact(spec.name, params ?? {})
          : await ctx.terminal.request(spec.name, unchecked(params ?? {}));
        return shape(msg, name, response, ctx);
      },
      shape,
    );
  }
  RED.nodes.registerType('ssi-command', SsiCommandNode);
};
