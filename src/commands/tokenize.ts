import {Args, Command, Flags} from '@oclif/core'

import {runCommand} from '../cli.js'
import {modelFlag, runFlags, showProgress} from '../flags.js'
import {type TokenizeMode, tokenize} from '../pipeline/tokenize.js'

export default class Tokenize extends Command {
  static override summary = 'Show how a model cuts DNA into tokens: tokens, ids, offsets or statistics.'

  static override description = `INPUT is a DNA sequence, - (standard input: one sequence per line, or FASTA), or a FASTA file.
Sequences are upper-cased, as the model sees them. Regions of a FASTA file (--region/--regions,
default every sequence) are cut into the model's windows (--window bp, non-overlapping; the last one
ends at the region's end) and each window is one output line, named chrom:start-end (1-based).

Default output: the tokens, space-separated, without special tokens. --ids: the ids the model is fed,
special tokens included. --json: one JSON object per line with tokens, ids and 0-based bp offsets
(genome coordinates for FASTA regions; null for special tokens). --stats: tokens per kb, token length
histogram and vocabulary use over all inputs.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> TAGAGACGAGGTTTGATCATGTTACCC',
    '<%= config.bin %> <%= command.id %> TAGAGACGAGGTTTGATCATGTTACCC --ids',
    '<%= config.bin %> <%= command.id %> data/chr22_20M.fa --region chr22_20M:1001-1100 --json',
    '<%= config.bin %> <%= command.id %> data/chr22_20M.fa --stats',
    'printf "ACGT[MASK]ACGT\\n" | <%= config.bin %> <%= command.id %> - --ids',
  ]

  static override args = {
    input: Args.string({description: 'DNA sequence, - for standard input, or a FASTA file', required: true}),
  }

  static override flags = {
    output: runFlags.output,
    quiet: runFlags.quiet,
    model: modelFlag('grover-mini', 'bundle whose tokenizer to use: a shipped name or a bundle folder'),
    region: Flags.string({char: 'r', description: 'region of the FASTA, 1-based inclusive (repeatable)', multiple: true}),
    regions: Flags.string({description: 'BED file of FASTA regions (0-based)'}),
    window: Flags.integer({char: 'w', description: 'window length in bp for FASTA regions [default: the model\'s]'}),
    ids: Flags.boolean({description: 'print ids (special tokens included) instead of tokens', exclusive: ['json', 'stats']}),
    json: Flags.boolean({description: 'print tokens, ids and bp offsets as JSON lines', exclusive: ['ids', 'stats']}),
    stats: Flags.boolean({description: 'print tokenization statistics over all inputs', exclusive: ['ids', 'json']}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Tokenize)
    const mode: TokenizeMode = flags.ids ? 'ids' : flags.json ? 'json' : flags.stats ? 'stats' : 'tokens'
    await runCommand(this, flags.output, (sink) =>
      tokenize({input: args.input, regions: flags.region, regionsFile: flags.regions, model: flags.model, mode, window: flags.window,
        progress: showProgress(flags.quiet)}, sink))
  }
}
