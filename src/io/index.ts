/**
 * Files in and out: NumPy's `.npy` format, read from and written to bytes (the caller does the
 * file system, so this runs in a browser too).
 *
 * @module
 */
export {
  readNpy, writeNpy, parseNpyHeader, NPY_MAGIC, NPY_READABLE_DESCRS, type NpyHeader, type WriteNpyOptions,
} from './npy.js';
