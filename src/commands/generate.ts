import {Args, Command, Flags} from '@oclif/core'

import type {Device} from '../model/device.js'
import {runCommand} from '../cli.js'
import {modelFlag, runFlags, showProgress} from '../flags.js'
import {generate} from '../pipeline/generate.js'

export default class Generate extends Command {
  static override summary = 'Write DNA with a masked-LM: new sequences, or the N stretches of a region filled.'

  static override description = `Iterative unmasking: the sequence to write starts as [MASK] tokens; each round the model runs
once and the most confident masks are fixed — with the most likely token (--temperature 0, default)
or a token sampled from the model's distribution sharpened or flattened by --temperature, from a
PRNG seeded by --seed (so runs repeat exactly). Only A/C/G/T tokens are written.

Without FASTA: --n new sequences of --length bp, after an optional --prompt. With FASTA and --region:
every N stretch of the region is filled (same length, so coordinates stay valid), using up to half
a window of real sequence on each side as context. Output is FASTA on stdout or -o.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> --length 500 --n 3 --temperature 1 --seed 7',
    '<%= config.bin %> <%= command.id %> --length 200 --prompt TGGGAAGGTGGGGAGGTGCTCACC',
    '<%= config.bin %> <%= command.id %> data/chr22_20M.fa --region chr22_20M:499001-501000 > filled.fa',
  ]

  static override args = {
    fasta: Args.string({description: 'FASTA whose --region N stretches to fill (omit to write new sequences)', required: false}),
  }

  static override flags = {
    ...runFlags,
    model: modelFlag('grover-mini', 'masked-LM bundle'),
    region: Flags.string({char: 'r', description: 'region of the FASTA (1-based inclusive) whose N bases are filled'}),
    length: Flags.integer({char: 'l', description: 'bases to write after the prompt (new sequences)'}),
    n: Flags.integer({description: 'how many sequences (or samples of the filled region)', default: 1}),
    prompt: Flags.string({description: 'DNA the new sequences start with', default: ''}),
    temperature: Flags.string({char: 't', description: '0: most likely token; > 0: sample (1 = the model\'s distribution)', default: '0'}),
    seed: Flags.integer({description: 'random seed (sample k uses seed + k - 1)', default: 1}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Generate)
    const temperature = Number(flags.temperature)
    if (!Number.isFinite(temperature)) this.error(`--temperature must be a number, got "${flags.temperature}".`, {exit: 2})
    if (flags.n < 1) this.error('--n must be at least 1.', {exit: 2})
    await runCommand(this, flags.output, (sink, _signal, log) => generate({
      fasta: args.fasta, region: flags.region, length: flags.length, n: flags.n, prompt: flags.prompt, temperature,
      seed: flags.seed, model: flags.model, device: flags.device as Device, threads: flags.threads,
      progress: showProgress(flags.quiet), quiet: flags.quiet, log,
    }, sink))
  }
}
