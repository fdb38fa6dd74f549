/**
 * Worker entry: the router over the table `npm run build` compiled from routes.yaml.
 */
import { table } from './generated/table.ts';
import { createWorker } from './worker.ts';

export default createWorker(table);
