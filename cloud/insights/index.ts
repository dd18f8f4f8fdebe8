export { readRecords, type StreamFigures, storeBatch, streamFigures } from './ingest.ts';
export { type Puller, type PullerFigures, startPuller } from './puller.ts';
