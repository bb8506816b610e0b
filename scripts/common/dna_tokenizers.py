"""tokenizer.json files for the non-BPE DNA tokenizer kinds grover runs (used by the export scripts).

- kmer (Nucleotide Transformer): NT's vocabulary (vocab.txt, one token per line, line number = id:
  <unk> <pad> <mask> <cls> <eos> <bos>, the 4,096 6-mers over A,T,C,G in itertools.product order, then
  A T C G N) as a Hugging Face WordPiece model with an empty continuing-subword prefix. WordPiece is
  greedy longest-match-first: 6-mers left to right, and single nucleotides where no 6-mer fits (a
  remainder, or around an N), which is how NT tokenizes. [CLS] (<cls>) first, no end token.
- char (HyenaDNA): its CharacterTokenizer's table ([CLS]=0 [SEP]=1 [BOS]=2 [MASK]=3 [PAD]=4
  [RESERVED]=5 [UNK]=6, then A C G T N from 7) as a WordLevel model behind a per-character Split;
  HyenaDNA appends [SEP] and puts nothing first.
Both load in the Hugging Face `tokenizers` package (grover's parity tests do exactly that).
"""
import itertools

NT_SPECIALS = ["<unk>", "<pad>", "<mask>", "<cls>", "<eos>", "<bos>"]
HYENA_SPECIALS = ["[CLS]", "[SEP]", "[BOS]", "[MASK]", "[PAD]", "[RESERVED]", "[UNK]"]


def nt_vocab(k=6):
    """The Nucleotide Transformer vocabulary layout (4,107 tokens for k = 6)."""
    return NT_SPECIALS + ["".join(p) for p in itertools.product("ATCG", repeat=k)] + list("ATCGN")


def read_vocab_txt(path):
    with open(path) as fh:
        return [line.rstrip("\n") for line in fh if line.rstrip("\n") != ""]


def _added(tokens, vocab):
    return [{"id": vocab[t], "content": t, "single_word": False, "lstrip": False, "rstrip": False,
             "normalized": False, "special": True} for t in tokens if t in vocab]


def _template(before, after, vocab):
    single = [{"SpecialToken": {"id": t, "type_id": 0}} for t in before] + [{"Sequence": {"id": "A", "type_id": 0}}] + \
             [{"SpecialToken": {"id": t, "type_id": 0}} for t in after]
    pair = single + [{"Sequence": {"id": "B", "type_id": 1}}]
    return {"type": "TemplateProcessing", "single": single, "pair": pair,
            "special_tokens": {t: {"id": t, "ids": [vocab[t]], "tokens": [t]} for t in before + after}}


def kmer_tokenizer_json(tokens):
    """tokens: the vocabulary in id order (NT's vocab.txt)."""
    vocab = {t: i for i, t in enumerate(tokens)}
    specials = [t for t in tokens if t.startswith("<") and t.endswith(">")]
    return {"version": "1.0", "truncation": None, "padding": None,
            "added_tokens": _added(specials, vocab),
            "normalizer": None, "pre_tokenizer": {"type": "WhitespaceSplit"},
            "post_processor": _template(["<cls>"], [], vocab), "decoder": None,
            "model": {"type": "WordPiece", "unk_token": "<unk>", "continuing_subword_prefix": "",
                      "max_input_chars_per_word": 1000000000, "vocab": vocab}}


def char_tokenizer_json(chars="ACGTN"):
    tokens = HYENA_SPECIALS + list(chars)
    vocab = {t: i for i, t in enumerate(tokens)}
    return {"version": "1.0", "truncation": None, "padding": None,
            "added_tokens": _added(HYENA_SPECIALS, vocab),
            "normalizer": None,
            "pre_tokenizer": {"type": "Split", "pattern": {"Regex": "."}, "behavior": "Isolated", "invert": False},
            "post_processor": _template([], ["[SEP]"], vocab), "decoder": None,
            "model": {"type": "WordLevel", "unk_token": "[UNK]", "vocab": vocab}}
