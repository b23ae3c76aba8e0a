/** The model description language (importing it registers the built-in layers). */
import '../nn/index.js';

export * from './registry.js';
export * from './parser.js';
