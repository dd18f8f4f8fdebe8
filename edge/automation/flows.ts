import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { SmartBranchError } from '../../core/index.ts';

/** The flows shipped with the gateway, each file one tab: closing time, overflow, welcome. */
export const shippedFlowsFolder = fileURLToPath(new URL('../../flows/', import.meta.url));

const FlowNode = z.looseObject({ id: z.string().min(1), type: z.string().min(1) });
const FlowFile = z.array(FlowNode).min(1);

/** Reads every shipped flow file; a malformed one is named with the field at fault. */
export function shippedFlows(folder = shippedFlowsFolder): z.output<typeof FlowFile> {
  const files = readdirSync(folder)
    .filter((name) => name.endsWith('.json'))
    .sort();
  const nodes = files.flatMap((name) => {
    const parsed = FlowFile.safeParse(JSON.parse(readFileSync(join(folder, name), 'utf8')));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const path = issue?.path.map(String).join('.') || '(root)';
      throw new SmartBranchError('SB_ERR_INVALID_CONFIG', `${name} ${path}: ${issue?.message}`);
    }
    return parsed.data;
  });

  const ids = nodes.map((node) => node.id);
  const twice = ids.find((id, index) => ids.indexOf(id) !== index);
  if (twice) throw new SmartBranchError('SB_ERR_INVALID_CONFIG', `flow node id ${twice} twice`);

  return nodes;
}

/**
 * On the first start (no flow file yet in the gateway's data folder) the shipped flows become
 * the branch's flows; afterwards the technician's edits are the flows and are never replaced.
 */
export function seedFlows(userDir: string, folder = shippedFlowsFolder): boolean {
  const file = join(userDir, 'flows.json');
  if (existsSync(file)) return false;

  mkdirSync(userDir, { recursive: true });
  writeFileSync(file, `${JSON.stringify(shippedFlows(folder), null, 2)}\n`);
  return true;
}
