/** Registers the DeNet layer types (DNC, DNS, DND); src/nn/index.ts imports it with the built-in layers. */
import './corner-layer.js';
import './sparse-layer.js';
import './head-layer.js';
