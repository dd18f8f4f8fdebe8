// Started the way bin/smartbranch.js starts the product: tsx registered through its API.
import { startDetector } from '../../../../edge/sensing/index.ts';

const detector = await startDetector({ faces: false });
process.stdout.write(`${JSON.stringify({ backend: detector.backend })}\n`);
await detector.close();
