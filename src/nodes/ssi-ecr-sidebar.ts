/**
 * The SSI ECR sidebar of the editor, for a venue's operator: this is its runtime part (a Node-RED plugin; the tab
 * itself is ssi-ecr-sidebar.html). GET /ssi-ecr/terminals (permission ssi-terminal.read) lists every deployed
 * ssi-terminal as lib/operator-view.ts describes it; the tab settles an unresolved operation through
 * POST /ssi-ecr/journal/<id>/resolve/<record> (ssi-terminal.write, in ssi-terminal.ts), and hears of changes on
 * RED.comms topics ssi-ecr/terminal/<id>.
 */
import { errorJson } from '../core';
import { deployedTerminals, tellEditors, terminalView } from './lib/operator-view';
import type { NodeAPI } from './lib/red';

type Response = { json(body: unknown): void; status(code: number): { json(body: unknown): void } };

export = function register(RED: NodeAPI): void {
  RED.plugins?.registerPlugin('ssi-ecr-sidebar', { type: 'ssi-ecr-sidebar' });
  RED.httpAdmin.get('/ssi-ecr/terminals', RED.auth.needsPermission('ssi-terminal.read'), (_req: unknown, res: Response) => {
    try {
      res.json({ terminals: deployedTerminals(RED).map(terminalView) });
    } catch (err) {
      res.status(500).json({ error: errorJson(err) });
    }
  });
  tellEditors(RED);
};
