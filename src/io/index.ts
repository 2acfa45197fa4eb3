/**
 * File formats: NumPy's `.npy` format and Hugging Face's safetensors, read from and written to
 * bytes (the caller does the file system, so this runs in a browser too). What is stored in them
 * (SAEs in SAELens's layout, toy models, checkpoints) is src/persistence.
 *
 * @module
 */
export {
  readNpy, writeNpy, parseNpyHeader, checkNpyDataLength, npyDtype, NPY_MAGIC, NPY_MAX_HEADER_BYTES, NPY_READABLE_DESCRS,
  type NpyHeader, type WriteNpyOptions,
} from './npy.js';
export {
  readSafetensors, writeSafetensors, inspectSafetensors, SAFETENSORS_DTYPES, SAFETENSORS_MAX_HEADER_BYTES, type SafetensorsDType, type SafetensorsEntry,
  type SafetensorsInspection, type SafetensorsContents, type WriteSafetensorsOptions,
} from './safetensors.js';
