/** The model description language: the layer registry, the parser and the printer. */
export * from './registry.js';
export * from './parser.js';
