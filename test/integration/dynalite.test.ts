/**
 * The whole integration suite against the embedded dynalite engine (the
 * `npm start` default).
 */
import { integrationSuitesOn } from './support/engine-suites.js';

integrationSuitesOn('dynalite', 'engine: dynalite (embedded)');
