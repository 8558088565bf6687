// Runs one mock server in its own thread (see mock-thread.ts): imports the module named in
// workerData, starts its server (with workerData.options) and reports the port.
import { parentPort, workerData } from "node:worker_threads";

const mod = await import(workerData.module);
const mock = await mod[workerData.exportName](workerData.options);
parentPort.postMessage({ port: mock.port });
