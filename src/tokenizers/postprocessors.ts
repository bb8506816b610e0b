import {GroverError} from '../errors.js'

/** Special tokens placed around a single sequence: ids (and token strings) before and after it. */
export interface PostProcessor {
  before: Array<{id: number; token: string}>
  after: Array<{id: number; token: string}>
}

interface TemplatePiece {
  SpecialToken?: {id: string}
  Sequence?: {id: string}
}

interface PostProcessorJson {
  type: string
  single?: TemplatePiece[]
  special_tokens?: Record<string, {id: string; ids: number[]; tokens: string[]}>
  cls?: [string, number]
  sep?: [string, number]
  processors?: PostProcessorJson[]
}

/**
 * Build the single-sequence post-processor: TemplateProcessing (its "single" template) or
 * BertProcessing ([CLS] x [SEP]); none adds nothing. Pairs are not used by grover.
 */
export function buildPostProcessor(json: PostProcessorJson | null | undefined): PostProcessor {
  if (json == null) return {before: [], after: []}
  switch (json.type) {
    case 'TemplateProcessing': {
      const out: PostProcessor = {before: [], after: []}
      let seenSeq = false
      for (const piece of json.single ?? []) {
        if (piece.Sequence) {
          if (seenSeq) throw new GroverError('tokenizer.json: TemplateProcessing single template names the sequence twice.')
          seenSeq = true
        } else if (piece.SpecialToken) {
          const sp = json.special_tokens?.[piece.SpecialToken.id]
          if (!sp) throw new GroverError(`tokenizer.json: TemplateProcessing uses special token "${piece.SpecialToken.id}" that special_tokens does not define.`)
          const list = sp.ids.map((id, i) => ({id, token: sp.tokens[i] ?? sp.id}))
          ;(seenSeq ? out.after : out.before).push(...list)
        }
      }
      if (!seenSeq) throw new GroverError('tokenizer.json: TemplateProcessing single template has no $A sequence.')
      return out
    }
    case 'BertProcessing': {
      if (!json.cls || !json.sep) throw new GroverError('tokenizer.json: BertProcessing needs "cls" and "sep".')
      return {before: [{token: json.cls[0], id: json.cls[1]}], after: [{token: json.sep[0], id: json.sep[1]}]}
    }
    default:
      throw new GroverError(`tokenizer.json: post-processor "${json.type}" is not supported by grover (supported: none, TemplateProcessing, BertProcessing).`)
  }
}
