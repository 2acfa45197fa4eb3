/**
 * What the lesson's models look like on disk, as bytes and strings (the caller does the file
 * system, so this runs in a browser too): sparse autoencoders in SAELens's layout, toy models in
 * the same style, and training checkpoints, all on top of the file formats of src/io.
 *
 * @module
 */
export {
  saveSae, loadSae, saveToyModel, loadToyModel, SAE_CONFIG_FILE, SAE_WEIGHTS_FILE, TOY_MODEL_CONFIG_FILE,
  TOY_MODEL_WEIGHTS_FILE, PERSISTENCE_VERSION, type SaeFiles, type ToyModelFiles, type SaveSaeOptions,
} from './saelens.js';
export * from './checkpoint.js';
