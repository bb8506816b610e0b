import {existsSync, readdirSync} from 'node:fs'
import {createRequire} from 'node:module'
import {dirname, join} from 'node:path'

/**
 * Which ONNX Runtime execution provider a session uses. `auto` tries CUDA, then WebGPU, then CPU and
 * says in one line which runs and why the others were skipped; an explicit `cuda` or `webgpu` that
 * cannot start is an error naming what is missing and how to install it.
 */
export type Device = 'auto' | 'cpu' | 'cuda' | 'webgpu'
export const DEVICES: Device[] = ['auto', 'cpu', 'cuda', 'webgpu']

/** Folder of onnxruntime-node's native binding and libraries for this platform, if found. */
export function ortBinaryDir(): string | undefined {
  try {
    const req = createRequire(import.meta.url)
    const root = dirname(dirname(req.resolve('onnxruntime-node'))) // …/onnxruntime-node/dist/index.js → package root
    const bin = join(root, 'bin')
    for (const napi of readdirSync(bin).sort().reverse()) {
      const dir = join(bin, napi, process.platform, process.arch)
      if (existsSync(dir)) return dir
    }
  } catch {}
  return undefined
}

const LIB_DIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib64', '/usr/lib', '/lib/x86_64-linux-gnu', '/usr/local/lib', '/usr/lib/aarch64-linux-gnu',
  ...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean), '/usr/local/cuda/lib64', '/usr/local/cuda/lib']

function findLib(prefix: string): string | undefined {
  for (const dir of LIB_DIRS) {
    try {
      const hit = readdirSync(dir).find((f) => f.startsWith(prefix))
      if (hit) return join(dir, hit)
    } catch {}
  }
  return undefined
}

/** What CUDA needs, each with the reason it is missing (empty: all present). */
export function cudaMissing(): string[] {
  const missing: string[] = []
  if (process.platform !== 'linux' && process.platform !== 'win32') missing.push(`CUDA is not available on ${process.platform}`)
  if (process.platform === 'linux' && !existsSync('/proc/driver/nvidia/version') && !existsSync('/dev/nvidiactl')) {
    missing.push('no NVIDIA driver (/proc/driver/nvidia/version not found)')
  }
  const dir = ortBinaryDir()
  const lib = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so'
  if (!dir || !existsSync(join(dir, lib))) {
    missing.push(`onnxruntime-node's CUDA provider (${lib}) is not installed${dir ? ` in ${dir}` : ''}`)
  }
  if (process.platform === 'linux') {
    if (!findLib('libcudart.so.12')) missing.push('CUDA 12 runtime (libcudart.so.12)')
    if (!findLib('libcudnn.so.9')) missing.push('cuDNN 9 (libcudnn.so.9)')
  }
  return missing
}

/** Why WebGPU cannot start, or undefined when it may. */
export function webgpuMissing(): string | undefined {
  if (process.platform === 'linux' && !findLib('libvulkan.so.1')) return 'no Vulkan loader (libvulkan.so.1), which WebGPU needs on Linux'
  return undefined
}

export const CUDA_HELP = 'To use CUDA: an NVIDIA driver, the CUDA 12 runtime and cuDNN 9 (e.g. pip install nvidia-cudnn-cu12, or the NVIDIA packages), ' +
  'and onnxruntime-node\'s CUDA provider, which its install script downloads only when asked: ' +
  'ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js (needs access to nuget.org once). '

export const WEBGPU_HELP = 'To use WebGPU on Linux: a GPU with a Vulkan driver and the Vulkan loader (Debian: apt-get install libvulkan1 mesa-vulkan-drivers).'
