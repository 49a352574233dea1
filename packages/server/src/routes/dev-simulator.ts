// `/dev/simulator/*`: the virtual phone, mounted only for the simulator and emulated engines. (Stub: engines issue.)
import { Router } from 'express';
import type { AppDeps } from '../deps.js';
import type { Linking } from '../linking/index.js';

export function devSimulatorRouter(_deps: AppDeps, _linking: Linking): Router {
  return Router();
}
