# ruff: noqa: E501  (patterns read best one per line)
"""Keyword families of the request signals: multilingual RE2 patterns, kept apart from the code.

How these were chosen. Each family describes *what a request asks the model to do*, not how
one pipeline happens to word it: the verbs and objects of the request (think / reason / show
your work; repeat / translate / encode + hidden reasoning; score / judge + responses; generate
N diverse examples; rewrite + censorship; you are an expert; tools and screens), the output
format it demands (JSON keys, "Rating:", \\boxed{}, lists of N) and the placeholders of a
template. The English lists were drafted from the tuning half of the shared corpus (by
reading which requests each pipeline makes, never by copying its sentences), then widened
with synonyms and inflections; the Spanish, French, German, Portuguese, Chinese, Japanese,
Russian and Korean lists were written from scratch with the same structure (verb + object,
object + qualifier) and are checked on hand-written sentences in tests/test_signals_quality.py.

Rules for the patterns (they run through Arrow's RE2, case-insensitive):
- RE2 syntax only: no look-around, no back-references; ``\\b`` is an ASCII word boundary, so
  it is only put next to ASCII letters; CJK patterns have no boundaries at all.
- ``strong`` cues are specific enough that one of them alone switches the signal on;
  ``weak`` cues only support a strong one (see SCORE_* in :mod:`distillguard.signals.request`).
- Gaps are bounded (``[^.\\n]{0,40}``) so a cue stays inside one sentence and the DFA small.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Gap:
    """Two cues in one sentence, ``head`` before ``tail``."""

    head: str
    tail: str


@dataclass(frozen=True)
class Family:
    """The cues of one signal: ``strong`` alone is enough, ``weak`` only supports a strong one.

    ``triggers`` are plain substrings of which every strong match contains at least one: a
    strong cue only counts on a row that holds a trigger of some family. They were the cheap
    first pass over every row (a union of the full patterns overflows RE2's DFA memory); that
    pass is now a Hyperscan prefilter of the strong cues themselves (see
    :mod:`distillguard.signals.multiscan`), and the triggers are checked on the rows it keeps.
    Every pattern must stay valid for both engines: RE2 syntax, which Hyperscan reads too.
    """

    strong: tuple[str | Gap, ...]
    weak: tuple[str, ...] = ()
    triggers: tuple[str, ...] = ()  # plain lowercase substrings, at least one in every strong match
    negated: tuple[str, ...] = ()  # strong cues turned down ("do not explain your reasoning"): each cancels one

    @property
    def strong_cues(self) -> tuple[str, ...]:
        """Each strong cue as one RE2 pattern (gaps spelled out, ``\\w`` widened to all scripts)."""
        return tuple(_strong(p) for p in self.strong)

    @property
    def strong_pattern(self) -> str:
        return "|".join(f"(?:{cue})" for cue in self.strong_cues)

    @property
    def weak_pattern(self) -> str:
        return "|".join(f"(?:{unicode_words(p)})" for p in self.weak)

    @property
    def negated_pattern(self) -> str:
        return "|".join(f"(?:{unicode_words(p)})" for p in self.negated)

    @property
    def trigger_pattern(self) -> str:
        return trigger_pattern(self.triggers)

    def strong_chunk_cues(self, *, ascii: bool) -> list[tuple[str, ...]]:
        """The strong cues in a few chunks of at most ``CHUNK`` cues, ASCII or non-ASCII ones.

        One union of fifty gapped cues overflows RE2's DFA cache and runs several times slower
        than four unions of a dozen; and a cue with non-ASCII letters cannot match an ASCII row,
        so cues in Chinese, Japanese, Russian or Korean only run on rows with non-ASCII text.
        """
        cues = [cue for cue in self.strong_cues if (_NON_LATIN.search(cue) is None) == ascii]
        return [tuple(cues[i : i + CHUNK]) for i in range(0, len(cues), CHUNK)]


CHUNK = 12
# Cues written in these scripts (the zh, ja, ru and ko sections) need such letters in the text;
# cues in Latin-script languages may match plain ASCII ("genera 20 preguntas").
_NON_LATIN = re.compile(r"[\u0400-\u04ff\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def trigger_pattern(triggers: tuple[str, ...] | list[str]) -> str:
    """One RE2 union of trigger substrings; those that start with a letter must start a word
    (so that "rate" is not found in "generate")."""
    words = [re.escape(t) for t in triggers if t[:1].isalnum() and t.isascii()]
    others = [re.escape(t) for t in triggers if not (t[:1].isalnum() and t.isascii())]
    parts = ([rf"\b(?:{'|'.join(words)})"] if words else []) + others
    return "|".join(parts)


def _strong(cue: str | Gap) -> str:
    if isinstance(cue, str):
        return unicode_words(cue)
    # "stem\\w*" before the gap is the gap already; the two overlapping loops would only
    # multiply DFA states.
    head = cue.head[:-3] if cue.head.endswith(r"\w*") else cue.head
    return unicode_words(f"{head}{_GAP}{cue.tail}")


def unicode_words(pattern: str) -> str:
    """Make ``\\w`` match letters of every script: in RE2 it is ASCII-only, which would stop
    ``оцени\\w*`` or ``évalu\\w*`` at the first non-ASCII letter."""
    if pattern.isascii():
        return pattern  # ASCII \\w is enough, and its DFA is smaller
    out, in_class, i = [], False, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            pair = pattern[i : i + 2]
            if pair == "\\w":
                out.append(r"\pL\pN_" if in_class else r"[\pL\pN_]")
            else:
                out.append(pair)
            i += 2
            continue
        if char == "[" and not in_class:
            in_class = True
        elif char == "]" and in_class:
            in_class = False
        out.append(char)
        i += 1
    return "".join(out)


# Spans used inside several patterns.
_GAP = r"[^.!?\n]*"  # the rest of one sentence (unbounded: a bounded gap multiplies DFA states)
_NUM = r"(?:\d+|\{\{?[^{}\n]+\}\}?|<[^>\n]+>|a (?:few|couple of|dozen|hundred)|several|multiple|many|some|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|thirty|fifty|hundred)"
# Ten or more, or a template placeholder: people ask for "5 examples", pipelines for "{n}" or "20".
_BIG_NUM = r"(?:[1-9]\d+|\{\{?[^{}\n]+\}\}?|<[^>\n]+>|\[[A-Z_]+\]|ten|twelve|fifteen|twenty|thirty|forty|fifty|sixty|hundred|a hundred|dozens of|hundreds of)"
# Words that ask for novelty or spread, which people rarely add to an ordinary request.
_NOVEL = r"(?:new|additional|distinct|unique|diverse|varied|synthetic|similar|novel|random|realistic|high[- ]quality|challenging|original)"
_REASONING_EN = (
    r"(?:reasoning|thinking|thoughts?|thought process(?:es)?|chain[- ]of[- ]thoughts?|scratch ?pad|monologue|"
    r"deliberations?|reasoning (?:trace|tokens|steps|content)|thinking (?:block|tokens|trace|process|content)|\bcot\b)"
)

COT_ELICITATION = Family(
    strong=(
        # English: ask for the steps of reasoning, not for a how-to list.
        Gap(
            r"\b(?:solv(?:e|ing)|work(?:ing)? (?:it |this |them )?(?:out|through)|go(?:ing)? through|walk(?:ing)? (?:me |us )?through|answer(?:ing)?|respond(?:ing)?|approach(?:ing)?|break(?:ing)? (?:it|this|the \w+) down)\b",
            r"step[- ]by[- ]step",
        ),
        Gap(
            r"step[- ]by[- ]step",
            r"(?:reason|think|thought|solution|solve|derivation|deduc|logic|justif|rationale|explanation|format|approach|working|answer)",
        ),
        r"\b(?:think|reason)(?:ing)? (?:it |this |this through |it through |carefully |logically |through )?step[- ]by[- ]step",
        r"\blet['’]?s (?:first )?(?:think|reason|work)(?: this| it)? (?:step|through|carefully|logically|out)",
        r"\bthink (?:carefully|hard|deeply|critically|logically|through|it through|aloud|out loud|before|step)",
        r"\breason (?:carefully|through|about it|it out|step)",
        r"chain[- ]of[- ]thoughts?\b|\bcot\b (?:prompt|reasoning|style|format)",
        r"\bshow (?:me )?(?:your|all|the|all of your|all your|each of your) (?:work|working|reasoning|steps|thinking|calculations|derivation|intermediate)",
        r"\b(?:explain|describe|justify|detail|outline|write out|write down|spell out|walk (?:me|us) through) (?:(?:your|each|every|all) (?:reasoning|thinking|thought process|rationale|logic|steps|step|derivation|calculation)|the (?:reasoning|thinking|thought process|rationale|logic|derivation))",
        Gap(
            r"\b(?:show|provide|include|write|explain|describe|output|give|list|detail|present|document|outline)",
            r"\b(?:reasoning|thought|thinking|solution) (?:process|steps|trace|path|chain)\b",
        ),
        r"\bintermediate (?:steps|reasoning|calculations|results)",
        # paraphrases of the same ask, as a careful harvester words it to look like a student
        r"\b(?:talk|walk) (?:me|us) through (?:your|the) (?:reasoning|logic|thinking|thought process|rationale|derivation)",
        r"\b(?:what(?:'s|’s| is| was)|describe|explain|share) (?:your|the) thought process\b",
        r"\bbreak (?:this|the|that) (?:problem|question|puzzle|exercise) down\b",
        r"\bunderstand the (?:logic|reasoning)\b",
        r"\b(?:show|explain|justify|write out) (?:each|every) step\b",
        r"\breasoning (?:behind|for) (?:this|the|your|each|a|that)",
        # asking how to reason about a problem, not what the answer is ("how would you reason about
        # this one", "walk me through how to solve this"): the object must be a problem or question
        r"\bhow (?:would|should|do|did|could|can|might) (?:you|i|we|one) (?:reason|think) (?:about|through) (?:this|that|such a|a|the) (?:one|question|problem|puzzle|exercise|riddle|equation|proof|kind of (?:problem|question|puzzle)|type of (?:problem|question|puzzle))\b",
        r"\bwalk (?:me|us) through how (?:to|you(?:['’]d| would)|i (?:would|should|could|can)) (?:solve|approach|tackle|work out|answer|reason about|think about|figure out) (?:this|it|that|these|the (?:problem|question|puzzle|exercise|equation|proof))\b",
        Gap(
            r"\b(?:provide|give|include|add|write|generate|produce)",
            r"\b(?:rationale|justification|derivation|reasoning steps|step-by-step (?:explanation|solution|reasoning))",
        ),
        Gap(
            r"\bbefore (?:answering|responding|giving (?:the|your|a) (?:final )?answer|you answer|you respond)",
            r"(?:think|reason|consider|analy)",
        ),
        Gap(r"\b(?:think|reason)\w*", r"\bbefore (?:answering|responding|you answer|you respond|giving)"),
        # Spanish
        Gap(r"paso a paso", r"(?:razon|pens|piens|explic|resuel|solución|deduc|lógic)"),
        Gap(r"(?:razona|piensa|resuelve|explica|responde|contesta)\w*", r"paso a paso"),
        r"cadena de pensamiento|proceso de razonamiento|pasos intermedios|razonamiento paso",
        r"(?:explica|muestra|detalla|justifica|describe)\w* (?:tu|su|el|todo tu|todo su) (?:razonamiento|proceso|trabajo|procedimiento)",
        r"piensa (?:con cuidado|detenidamente|bien|cuidadosamente) antes",
        r"c[oó]mo (?:razonar[ií]as|resolver[ií]as|pensar[ií]as|abordar[ií]as|razono|resuelvo|abordo) (?:sobre )?(?:este|esta|ese|esa) (?:problema|pregunta|ejercicio|acertijo)",
        r"(?:expl[ií]ca|ens[eé][ñn]a)me c[oó]mo (?:resolver|razonar|abordar) (?:este|esta|el|la) (?:problema|pregunta|ejercicio|acertijo)",
        # French
        Gap(r"étape par étape", r"(?:raisonn|réfléch|pens|expli|résou|solution|déduc|logique)"),
        Gap(r"(?:raisonne|réfléchis|résous|explique|réponds|pense)\w*", r"étape par étape"),
        r"chaîne de pensée|chaîne de raisonnement|processus de (?:raisonnement|réflexion)|étapes intermédiaires",
        r"(?:explique|montre|détaille|justifie|décris)\w* (?:ton|votre|le|tout ton|tout votre) (?:raisonnement|démarche|travail|cheminement)",
        r"réfléchi(?:s|ssez) (?:bien|attentivement|soigneusement) avant",
        r"comment (?:raisonnerais|résoudrais|aborderais|raisonneriez|résoudriez|aborderiez)[- ](?:tu|vous) (?:ce|cette) (?:problème|question|exercice|énigme)",
        r"explique[sz]?[- ]moi comment (?:résoudre|raisonner sur|aborder) (?:ce|cette|le|la) (?:problème|question|exercice|énigme)",
        # German
        Gap(r"schritt für schritt", r"(?:denk|überleg|begründ|lös|erklär|herleit|logik)"),
        Gap(
            r"(?:denke|denk|überlege|begründe|löse|erkläre|erklär|antworte)\w*", r"(?:schritt für schritt|schrittweise)"
        ),
        r"gedankenkette|denkprozess|gedankengang|lösungsweg|rechenweg|zwischenschritte",
        r"(?:zeige|zeig|erkläre|erklär|begründe|beschreibe|lege)\w* (?:deine|ihre|den|deinen|ihren|die) (?:überlegungen|argumentation|begründung|herleitung|schritte)",
        r"denke? (?:sorgfältig|gründlich|genau) nach",
        r"wie (?:würdest du|würden sie|soll ich|sollte ich) (?:diese|dieses|die|das|so eine|so ein) (?:aufgabe|problem|frage|rätsel) (?:lösen|angehen|durchdenken|überlegen)",
        r"erkläre? mir,? wie (?:man|ich) (?:diese|dieses|die|das) (?:aufgabe|problem|frage|rätsel) (?:löst|löse|angeht|angehe)",
        # Portuguese
        Gap(r"passo a passo", r"(?:racioc|pens|expli|resolv|soluç|deduz|dedu[çc]|lógic)"),
        Gap(r"(?:raciocine|pense|resolva|explique|responda)\w*", r"passo a passo"),
        r"cadeia de pensamento|processo de raciocínio|passos intermediários",
        r"(?:explique|mostre|detalhe|justifique|descreva)\w* (?:o |a )?(?:seu|sua|teu|tua|todo o seu) (?:raciocínio|processo|trabalho|pensamento)",
        r"pense (?:com cuidado|cuidadosamente|bem) antes",
        r"como (?:você )?(?:raciocinaria|resolveria|pensaria|abordaria) (?:sobre )?(?:este|esta|esse|essa) (?:problema|pergunta|exercício|enigma)",
        r"(?:explique|mostre)-me como (?:resolver|raciocinar sobre|abordar) (?:este|esta|o|a) (?:problema|pergunta|exercício|enigma)",
        # Chinese
        r"(?:一步一步|一步步|逐步|分步|循序渐进)(?:地)?(?:思考|推理|分析|解答|解决|计算|推导|说明|解释|回答)",
        r"(?:思考|推理|分析|解答|解决|计算|推导)(?:过程)?(?:要|请)?(?:一步一步|一步步|逐步|分步)",
        r"思维链|思路链|推理过程|思考过程|解题过程|解题步骤|推导过程|中间步骤",
        r"(?:说明|解释|展示|写出|给出|列出)(?:你的|您的|详细的?)?(?:推理|思路|理由|思考过程|解题思路|计算过程)",
        r"请?(?:先)?(?:仔细|认真|深入)(?:地)?思考",
        # Japanese
        r"ステップバイステップ|段階的に(?:考|推論|説明|解)|一歩ずつ|順を追って(?:考|説明|解)|順序立てて",
        r"思考の連鎖|思考過程|推論過程|考え方を(?:説明|示)|途中式|途中の計算|解き方を(?:説明|示)",
        r"(?:理由|根拠|推論)を(?:説明|示|詳しく)",
        r"(?:よく|じっくり|慎重に)考えて",
        # Russian
        r"шаг за шагом|пошагов\w*",
        r"цепочк\w* (?:рассуждени|мысл)|ход (?:рассуждени|мысл|решени)|промежуточн\w+ (?:шаг|вычислени|результат)",
        r"(?:объясни|покажи|опиши|обоснуй|распиши)\w* (?:сво\w+ |тво\w+ |ваш\w+ )?(?:рассуждени|решени|ход|логик|вычислени)",
        r"(?:подумай|поразмысли|рассуди)\w* (?:хорошо|тщательно|внимательно|логически)",
        # Korean
        r"단계별로|단계적으로|한 단계씩|차근차근|순서대로 (?:생각|풀|설명)",
        r"사고 ?과정|추론 ?과정|풀이 ?과정|생각의 ?사슬|중간 ?단계",
        r"(?:이유|근거|추론|풀이)를 (?:설명|보여|제시|자세히)",
        r"(?:신중하게|깊이|천천히) 생각",
    ),
    negated=(
        r"\b(?:do not|don't|never|no need to|without|not)\s+(?:\w+[ \t]+)*(?:explain|show|provide|include|give|write|output|describe|justify)\w*\s+(?:your|the|any|a)\s+(?:\w+\s+)?(?:reasoning|thinking|thought process|rationale|logic|steps|work|derivation|explanation)",
        r"\b(?:do not|don't|never|no need to|without)\s+(?:\w+[ \t]+)*(?:think|reason)\w*\s+step[- ]by[- ]step",
        r"(?:no|sin|sans|ohne|sem)\s+(?:explanation|explicación|explication|erklärung|explicação)",
    ),
    weak=(
        r"step[- ]by[- ]step|paso a paso|étape par étape|schritt für schritt|passo a passo|一步一步|逐步|ステップ|шаг за шагом|단계별",
        r"final answer|\\boxed|respuesta final|réponse finale|endgültige antwort|resposta final|最终答案|最終的な答え|окончательн\w+ ответ|최종 답",
        r"\b(?:reason(?:ing)?|rationale|justify|explain why|think)\b|razon|raisonn|begründ|racioc|推理|推論|рассужд|추론",
    ),
    triggers=(
        "step by step",
        "step-by-step",
        "step by-step",
        "chain of thought",
        "chain-of-thought",
        "chain of thoughts",
        "let's think",
        "lets think",
        "let's first",
        "let’s think",
        "let’s first",
        "let's reason",
        "let’s reason",
        "lets reason",
        "let's work",
        "let’s work",
        "think carefully",
        "think hard",
        "think deeply",
        "think critically",
        "think logically",
        "think through",
        "think it through",
        "think aloud",
        "think out loud",
        "think before",
        "think step",
        "reason carefully",
        "reason through",
        "reason about it",
        "reason it out",
        "reason step",
        "cot prompt",
        "cot reasoning",
        "cot style",
        "cot format",
        "show your",
        "show me your",
        "show all",
        "show each",
        "show the work",
        "show the reasoning",
        "show the steps",
        "show the thinking",
        "show the calc",
        "show the deriv",
        "show the intermediate",
        "your reasoning",
        "your thinking",
        "your thought",
        "your rationale",
        "your logic",
        "your steps",
        "your step",
        "your derivation",
        "your calculation",
        "the reasoning",
        "the rationale",
        "the logic",
        "the thought process",
        "the derivation",
        "the thinking",
        "each step",
        "every step",
        "break this",
        "break the",
        "break that",
        "all steps",
        "all the steps",
        "all your",
        "reasoning process",
        "reasoning steps",
        "reasoning trace",
        "reasoning path",
        "reasoning chain",
        "thought process",
        "thought steps",
        "thought trace",
        "thought path",
        "thought chain",
        "thinking process",
        "thinking steps",
        "thinking trace",
        "thinking path",
        "thinking chain",
        "solution process",
        "solution steps",
        "solution trace",
        "solution path",
        "solution chain",
        "intermediate",
        "reasoning behind",
        "reason about",
        "think about",
        "walk me through how",
        "walk us through how",
        "reasoning for",
        "rationale",
        "justification",
        "derivation",
        "before answering",
        "before responding",
        "before giving",
        "before you answer",
        "before you respond",
        "paso a paso",
        "cadena de pensamiento",
        "proceso de razonamiento",
        "pasos intermedios",
        "razonamiento paso",
        "tu razonamiento",
        "su razonamiento",
        "el razonamiento",
        "todo tu",
        "todo su",
        "tu proceso",
        "su proceso",
        "el proceso",
        "tu trabajo",
        "su trabajo",
        "el trabajo",
        "tu procedimiento",
        "su procedimiento",
        "el procedimiento",
        "piensa con",
        "piensa detenidamente",
        "piensa bien",
        "piensa cuidadosamente",
        "étape par étape",
        "chaîne de pensée",
        "chaîne de raisonnement",
        "processus de raisonnement",
        "processus de réflexion",
        "étapes intermédiaires",
        "raisonnement",
        "démarche",
        "cheminement",
        "ton travail",
        "votre travail",
        "le travail",
        "tout ton",
        "tout votre",
        "réfléchis",
        "schritt für schritt",
        "schrittweise",
        "gedankenkette",
        "denkprozess",
        "gedankengang",
        "lösungsweg",
        "rechenweg",
        "zwischenschritte",
        "überlegungen",
        "argumentation",
        "begründung",
        "herleitung",
        "die schritte",
        "denke",
        "denk sorgfältig",
        "denk gründlich",
        "denk genau",
        "passo a passo",
        "cómo",
        "como",
        "comment",
        "wie würdest",
        "wie würden",
        "wie soll",
        "erkläre mir",
        "erklär mir",
        "cadeia de pensamento",
        "processo de raciocínio",
        "passos intermediários",
        "raciocínio",
        "seu processo",
        "sua processo",
        "teu processo",
        "seu trabalho",
        "teu trabalho",
        "seu pensamento",
        "teu pensamento",
        "todo o seu",
        "pense com",
        "pense cuidadosamente",
        "pense bem",
        "一步",
        "逐步",
        "分步",
        "循序渐进",
        "思维链",
        "思路链",
        "推理",
        "思考",
        "解题",
        "推导",
        "中间步骤",
        "思路",
        "理由",
        "计算过程",
        "ステップバイステップ",
        "段階的に",
        "一歩ずつ",
        "順を追って",
        "順序立てて",
        "推論",
        "考え方",
        "途中式",
        "途中の計算",
        "解き方",
        "理由を",
        "根拠を",
        "考えて",
        "шаг за шагом",
        "пошагов",
        "цепочк",
        "ход рассуждени",
        "ход мысл",
        "ход решени",
        "промежуточн",
        "рассуждени",
        "решени",
        "логик",
        "вычислени",
        "подумай",
        "поразмысли",
        "рассуди",
        "단계별로",
        "단계적으로",
        "한 단계씩",
        "차근차근",
        "순서대로",
        "사고 과정",
        "사고과정",
        "추론 과정",
        "추론과정",
        "풀이 과정",
        "풀이과정",
        "생각의 사슬",
        "생각의사슬",
        "중간 단계",
        "중간단계",
        "이유를",
        "근거를",
        "추론을",
        "풀이를",
        "생각",
    ),
)

REASONING_EXTRACTION = Family(
    strong=(
        # English: the model's own hidden reasoning, qualified as such ...
        r"\b(?:hidden|internal|inner|private|secret|raw|unredacted|unfiltered|unedited|original|previous|prior|earlier|exact|verbatim|full|entire|complete|whole|actual|real|true)\s+"
        + _REASONING_EN,
        # ... or acted on: repeated, leaked, translated, encoded, continued.
        Gap(
            r"\b(?:repeat|reproduce|restate|print|dump|leak|reveal|expose|disclose|transcribe|recite|copy|paste|echo|output|display|translate|encode|encrypt|convert|rewrite|base64|rot13|continue|resume|finish)\w*",
            r"\b(?:your|its|the model'?s|the assistant'?s|claude'?s|gpt'?s|the ai'?s)\s+(?:own\s+)?" + _REASONING_EN,
        ),
        r"\b"
        + _REASONING_EN
        + r"\s+(?:in|into|as|to)\s+(?:base64|hex|hexadecimal|binary|rot13|morse|unicode|json|ascii|leetspeak|pig latin|another language|chinese|english|french|german|spanish|russian|japanese|korean)",
        Gap(r"\b(?:word[- ]for[- ]word|verbatim)\b", r"(?:reason|think|thought)"),
        Gap(
            r"\b(?:summari[sz]e|paraphrase|quote)\b",
            r"\byour (?:own )?(?:hidden |internal |private )?(?:reasoning|thinking|thoughts|thought process|chain of thought)",
        ),
        # Spanish
        Gap(
            r"(?:repite|reproduce|muestra|revela|imprime|copia|traduce|codifica|continúa|continua|transcribe)\w*",
            r"(?:tu|su)s? (?:propio )?(?:razonamiento|pensamiento|proceso de pensamiento|cadena de pensamiento|pensamientos)",
        ),
        r"(?:razonamiento|pensamiento|pensamientos|proceso de pensamiento) (?:interno|internos|oculto|ocultos|privado|original|completo|exacto|literal)",
        # French
        Gap(
            r"(?:répète|répétez|repete|reproduis|montre|révèle|affiche|copie|traduis|traduisez|encode|code|continue|recopie)\w*",
            r"(?:ton|votre|sa|son|tes|vos) (?:propre )?(?:raisonnement|pensée|pensées|processus de réflexion|chaîne de pensée|réflexion)",
        ),
        r"(?:raisonnement|pensée|pensées|réflexion|processus de réflexion) (?:interne|internes|caché|cachée|privé|privée|brut|brute|complet|complète|exact|original)",
        # German
        Gap(
            r"(?:wiederhole|zeige|zeig|enthülle|gib|kopiere|übersetze|kodiere|codiere|setze|schreibe)\w*",
            r"(?:deine|ihre|deinen|ihren|die|den) (?:eigenen? )?(?:gedanken|überlegungen|denkprozess|gedankengang|gedankenkette|argumentation|denkschritte)",
        ),
        r"(?:interne|internen|interner|verborgene|verborgenen|versteckte|versteckten|private|privaten|vollständige|vollständigen|ursprüngliche|ursprünglichen|rohe|rohen) (?:gedanken|überlegungen|denkprozess|gedankengang|gedankenkette|argumentation|denkschritte)",
        # Portuguese
        Gap(
            r"(?:repita|reproduza|mostre|revele|imprima|copie|traduza|codifique|continue|transcreva)\w*",
            r"(?:o |a |os |as )?(?:seu|sua|seus|suas|teu|tua) (?:próprio )?(?:raciocínio|pensamento|pensamentos|processo de pensamento|cadeia de pensamento)",
        ),
        r"(?:raciocínio|pensamento|pensamentos|processo de pensamento) (?:interno|internos|oculto|ocultos|privado|original|completo|exato|literal)",
        # Chinese
        r"(?:重复|复述|原样|逐字|照搬|输出|打印|透露|泄露|翻译|编码|转换成|继续)[^。！？\n]*(?:你的|您的|模型的|之前的|刚才的|原始的?|隐藏的?|内部的?)(?:思考|推理|思维|想法|思路)",
        r"(?:内部|隐藏|内在|原始|完整|真实|私下)的?(?:思考|推理|思维|想法)(?:过程|链|内容)?",
        r"(?:思考|推理|思维)(?:过程|链|内容)(?:用|以|翻译成|转换成|编码为|编码成)(?:base64|十六进制|二进制|英文|中文|另一种语言)",
        # Japanese
        r"(?:内部|隠れた|隠された|非公開の?|元の|完全な|生の|本当の)の?(?:思考|推論|考え)(?:過程|プロセス|内容)?",
        r"(?:思考|推論|考え)(?:過程|プロセス|内容)?を[^。！？\n]*(?:そのまま|一字一句|繰り返|再現|出力|翻訳|エンコード|続け|表示|見せて|開示)",
        # Russian
        Gap(
            r"(?:повтори|воспроизведи|покажи|раскрой|выведи|скопируй|переведи|закодируй|продолжи|перепиши)\w*",
            r"(?:сво\w+|тво\w+|ваш\w+) (?:собственн\w+ )?(?:рассуждени|мысл|размышлени|ход мыслей|цепочк)",
        ),
        r"(?:внутренн|скрыт|исходн|полн|настоящ|необработанн)\w* (?:рассуждени|мысл|размышлени|ход мыслей|цепочк\w* рассуждени)",
        # Korean
        r"(?:내부|숨겨진|숨은|원래|전체|완전한|실제|비공개) ?(?:사고|추론|생각)(?: ?과정| ?내용)?",
        r"(?:사고|추론|생각) ?(?:과정|내용)?[을를]? ?(?:그대로|반복|다시 (?:출력|보여|작성)|출력|번역|인코딩|계속|공개)",
    ),
    weak=(
        r"</?(?:think|thinking|reasoning|scratchpad|thought|inner_monologue)>",
        r"\bwhat (?:were|are|was) you (?:really |actually )?thinking\b|\binside your (?:head|mind)\b",
        r"\bscratch ?pad\b|\bthinking (?:block|tokens)\b|\breasoning tokens\b",
        r"\b(?:verbatim|word for word|base64|rot13|hex(?:adecimal)?)\b|逐字|原样|そのまま|дословно|그대로",
    ),
    triggers=(
        "reasoning",
        "thinking",
        "thought",
        "scratch pad",
        "scratchpad",
        "monologue",
        "deliberation",
        "cot",
        "word for word",
        "word-for-word",
        "verbatim",
        "what were you",
        "what are you really",
        "what are you actually",
        "what was you",
        "inside your head",
        "inside your mind",
        "razonamiento",
        "pensamiento",
        "raisonnement",
        "pensée",
        "réflexion",
        "gedanken",
        "überlegungen",
        "denkprozess",
        "gedankengang",
        "gedankenkette",
        "argumentation",
        "denkschritte",
        "raciocínio",
        "pensamento",
        "思考",
        "推理",
        "思维",
        "想法",
        "思路",
        "推論",
        "考え",
        "рассуждени",
        "мысл",
        "размышлени",
        "цепочк",
        "사고",
        "추론",
        "생각",
    ),
)

_RESPONSES_EN = (
    r"(?:responses?|answers?|outputs?|completions?|generations?|solutions?|replies|submissions?|candidates?)"
)
RUBRIC_GRADING = Family(
    strong=(
        # English: the model as a judge or reward model of other outputs.
        r"\b(?:impartial|fair|strict|expert|unbiased|objective|neutral|helpful) (?:judge|evaluator|grader|rater|critic)\b",
        r"\b(?:act|serve|behave) as (?:a |an )?(?:judge|evaluator|grader|reward model|annotator|rater)\b",
        Gap(
            r"\b(?:evaluate|assess|judge|grade|rate|score|rank|critique|compare|review)\w*",
            r"\b(?:the|these|those|two|both|each|every|all|following|given|candidate|provided|model'?s?|assistant'?s?|ai'?s?|generated|predicted)\s+\[?(?:\w+\s+)?"
            + _RESPONSES_EN
            + r"\b",
        ),
        r"\b(?:scoring|grading|evaluation|assessment|score) (?:rubrics?|criteria|guidelines?|standards?)\b|\brubrics?\s*:",
        Gap(
            r"\b(?:score|rate|rating|grade|mark)\w*",
            r"\b(?:the|these|those|each|every|both|two|following|given|candidate|model'?s?|assistant'?s?|ai'?s?)\s+\[?(?:\w+\s+)?"
            + _RESPONSES_EN
            + r"\b[^.!?\n]*\b(?:from|between|of|out of) \d+ (?:to|and|-) \d+\b",
        ),
        r"\b(?:score|rate|rank)\w*\s+(?:\w+[ \t]+)*(?:from |between )?(?:1|0)\s*(?:-|–|to)\s*\{",
        r"(?:^|\n)\s*\W{0,4}(?:score|rating|grade)\s+[0-9]\s*\W{0,4}\s*[:=]",
        r"\b(?:which|what) (?:\w+ )?(?:response|answer|assistant|output|model|completion|reply|text|version) is (?:better|best|more (?:helpful|accurate|correct|harmless))|\b(?:response|assistant|output|answer|model) [ab12](?:\s*[:)\]]|'s\b| (?:and|or|vs\.?|versus|is|was|better)\b)|\[\[[ab]\]\]|\[\[(?:\d+|rating)\]\]",
        Gap(
            r"\b(?:reference|gold|ground[- ]truth|expected|official) (?:answer|target|solution|label)s?\b",
            r"\b(?:response|answer|prediction|generation|candidate|output)",
        ),
        r"\b(?:reward model|preference (?:data|label|pair|judg)|pairwise (?:comparison|preference)|llm[- ]as[- ]a[- ]judge)",
        r"(?:^|\n)\s*(?:rating|score|verdict|judg(?:e)?ment|grade|final (?:score|verdict))\s*:\s*(?:\[|\{|\(|\d|<|x\b|n/a)",
        Gap(r"\bfeedback\b", r"\b(?:score|rating|rubric)\b"),
        # Spanish
        Gap(
            r"(?:evalúa|evalua|evalúe|califica|puntúa|puntua|juzga|compara|valora)\w*",
            r"(?:la|las|los|el|cada|ambas|estas|dos) (?:\w+ )?(?:respuestas?|salidas?|soluciones?|textos?|traducciones?)",
        ),
        r"(?:en|usando|con) una escala (?:de|del)|del \d+ al \d+|de \d+ a \d+ puntos|rúbrica|criterios de (?:evaluación|calificación)|juez (?:imparcial|justo|experto)|¿?qué respuesta es mejor",
        # French
        Gap(
            r"(?:évalue|évaluez|evalue|note|notez|juge|jugez|compare|comparez|classe|classez)\w*",
            r"(?:la|les|le|chaque|ces|deux) (?:\w+ )?(?:réponses?|sorties?|solutions?|textes?|traductions?)",
        ),
        r"sur une échelle (?:de|allant)|de \d+ à \d+ points|grille d'évaluation|critères d'évaluation|barème|juge impartial|quelle réponse est (?:la )?meilleure",
        # German
        Gap(
            r"(?:bewerte|bewerten sie|beurteile|beurteilen sie|vergleiche|vergleichen sie|benote|benoten sie)\w*",
            r"(?:die|jede|beide|folgende|diese|zwei) (?:\w+ )?(?:antworten?|ausgaben?|lösungen?|texte?|übersetzungen?)",
        ),
        r"auf einer skala von|von \d+ bis \d+ punkten|bewertungskriterien|bewertungsraster|bewertungsschema|unparteiische[rn]? (?:richter|gutachter|bewerter)|welche antwort ist besser",
        # Portuguese
        Gap(
            r"(?:avalie|avalia|classifique|pontue|julgue|compare|dê uma nota)\w*",
            r"(?:a|as|o|os|cada|ambas|estas|duas) (?:\w+ )?(?:respostas?|saídas?|soluções?|textos?|traduções?)",
        ),
        r"(?:numa|em uma|usando uma) escala de|de \d+ a \d+ pontos|rubrica|critérios de avaliação|juiz imparcial|qual resposta é melhor",
        # Chinese
        r"(?:评估|评价|评判|打分|评分|比较|判断|评审)[^。！？\n]*(?:回答|回复|答案|输出|响应|生成|译文|摘要)",
        r"评分标准|评分细则|打分标准|评估标准|评价标准|(?:1|一)(?:到|至|-|~)(?:10|十|5|五)分|公正的(?:评委|裁判|评判者?|评审)|哪个(?:回答|回复|答案)更好",
        # Japanese
        r"(?:回答|応答|出力|解答|翻訳|要約)を(?:評価|採点|比較|審査)",
        r"評価基準|採点基準|ルーブリック|(?:1|１)(?:から|〜|～)(?:10|１０|5|５)(?:の|点|段階)|公平な(?:審査員|評価者|ジャッジ)|どちらの(?:回答|応答)が(?:良い|優れ)",
        # Russian
        Gap(
            r"(?:оцени|оцените|сравни|сравните|проверь|проверьте)\w*",
            r"(?:ответ|ответы|решени|вывод|текст|перевод)",
        ),
        r"по шкале от|от \d+ до \d+ баллов|критери\w* оценк|рубрик|беспристрастн\w+ (?:судь|оценщик|эксперт)|как\w+ (?:из )?ответ\w* лучше",
        # Korean
        r"(?:응답|답변|출력|답안|번역|요약)[을를]? ?(?:평가|채점|비교|심사)",
        r"평가 ?기준|채점 ?기준|루브릭|1(?:점)?(?:에서|부터|~|-) ?(?:10|5)점|공정한 (?:심사위원|평가자|판사)|어느 (?:응답|답변)이 더 (?:좋|낫)",
    ),
    weak=(
        r"\b(?:score|scores|scoring|rating|rate|grade|evaluate|evaluation|assess|assessment|feedback|criteria|judge|verdict|critique|rubrics?)\b",
        r"\b(?:on|using|with) a (?:\d+|five|ten|seven)[- ]point (?:scale|likert)|\b(?:scale|range) (?:of|from) \d+ (?:to|-) \d+\b|\bout of (?:5|10|100)\b",
        r"puntuación|calificación|évaluation|bewertung|avaliação|评分|评估|評価|採点|оценк|평가|채점",
    ),
    triggers=(
        "judge",
        "evaluator",
        "grader",
        "annotator",
        "rater",
        "reviewer",
        "critic",
        "reward model",
        "evaluat",
        "assess",
        "grade",
        "rate",
        "rating",
        "score",
        "rank",
        "critique",
        "compare",
        "review",
        "rubric",
        "criteria",
        "guideline",
        "scale",
        "likert",
        "out of 5",
        "out of 10",
        "out of 100",
        "which response",
        "which answer",
        "which assistant",
        "which output",
        "which model",
        "which completion",
        "which reply",
        "which text",
        "which version",
        "what response",
        "what answer",
        "response a",
        "response b",
        "response 1",
        "response 2",
        "assistant a",
        "assistant b",
        "assistant 1",
        "assistant 2",
        "output a",
        "output b",
        "output 1",
        "output 2",
        "answer a",
        "answer b",
        "answer 1",
        "answer 2",
        "model a",
        "model b",
        "model 1",
        "model 2",
        "[[a]]",
        "[[b]]",
        "[[",
        "reference answer",
        "reference target",
        "reference solution",
        "reference label",
        "gold answer",
        "gold target",
        "gold solution",
        "gold label",
        "ground truth",
        "ground-truth",
        "expected answer",
        "expected target",
        "expected solution",
        "expected label",
        "correct answer",
        "correct target",
        "correct solution",
        "correct label",
        "official answer",
        "official target",
        "official solution",
        "official label",
        "preference",
        "pairwise",
        "llm-as-a-judge",
        "llm as a judge",
        "verdict",
        "judgment",
        "judgement",
        "feedback",
        "evalúa",
        "evalua",
        "evalúe",
        "califica",
        "puntúa",
        "puntua",
        "juzga",
        "compara",
        "valora",
        "escala",
        "del 1 al",
        "rúbrica",
        "criterios de",
        "juez",
        "qué respuesta",
        "que respuesta",
        "évalue",
        "evalue",
        "note",
        "juge",
        "classe",
        "échelle",
        "points",
        "grille",
        "critères",
        "barème",
        "quelle réponse",
        "bewerte",
        "beurteile",
        "vergleiche",
        "benote",
        "skala",
        "punkten",
        "bewertungs",
        "unparteiisch",
        "welche antwort",
        "avalie",
        "avalia",
        "classifique",
        "pontue",
        "julgue",
        "dê uma nota",
        "pontos",
        "rubrica",
        "critérios",
        "juiz",
        "qual resposta",
        "评估",
        "评价",
        "评判",
        "打分",
        "评分",
        "比较",
        "判断",
        "评审",
        "标准",
        "分",
        "评委",
        "裁判",
        "哪个",
        "評価",
        "採点",
        "比較",
        "審査",
        "基準",
        "ルーブリック",
        "から",
        "〜",
        "～",
        "審査員",
        "ジャッジ",
        "どちらの",
        "оцени",
        "сравни",
        "провер",
        "по шкале",
        "баллов",
        "критери",
        "рубрик",
        "беспристрастн",
        "лучше",
        "평가",
        "채점",
        "비교",
        "심사",
        "기준",
        "루브릭",
        "점",
        "심사위원",
        "평가자",
        "판사",
        "어느",
    ),
)

_ITEMS_EN = (
    r"(?:questions?|examples?|tasks?|prompts?|instructions?|samples?|pairs?|problems?|queries|conversations?|dialogues?|"
    r"scenarios?|exercises?|data ?points?|entries|records|items|sentences|texts|passages|documents|responses|answers|"
    r"solutions|test cases|rows|riddles|puzzles|quizzes|stories|topics|subtopics|personas|characters|descriptions|"
    r"statements|claims|variations|paraphrases|utterances|user queries|requests|categories|labels)"
)
# A template's count placeholder: {n}, {{ N }}, {num_tasks}, {batch_size}, ...
_COUNT_SLOT = r"\{\{?\s*(?:n|m|k|num\w*|n_\w+|number\w*|count|\w+_count|batch\w*|total\w*|\w+_size)\s*\}\}?"
_MAKE = r"\b(?:generate|create|write|produce|come up with|brainstorm|list|give me|make|compose|develop|synthesi[sz]e|construct|design|draft|provide|propose|devise|craft)"
SYNTHETIC_DATA = Family(
    strong=(
        # English: many new items on demand ...
        _MAKE
        + r"\s+(?:me\s+)?(?:exactly\s+|at least\s+|about\s+|around\s+|up to\s+|another\s+|a total of\s+)?"
        + _BIG_NUM
        + r"\s+(?:[\w-]+,?[ \t]+)*"
        + _ITEMS_EN
        + r"\b",
        _MAKE
        + r"\s+(?:me\s+)?(?:exactly\s+|at least\s+|about\s+|another\s+)?"
        + _NUM
        + r"\s+(?:[\w-]+,?[ \t]+)*"
        + _NOVEL
        + r"\s+(?:[\w-]+,?[ \t]+)*"
        + _ITEMS_EN
        + r"\b",
        _MAKE
        + r"\s+(?:another|a new|a brand[- ]new|one more)\s+(?:[\w-]+,?[ \t]+)*(?:example|task|prompt|instruction|question|problem|sample)s?\b",
        _MAKE
        + r"\s+(?:me\s+)?(?:a|another|one)\s+(?:[\w-]+\s+)?(?:list|set|series|batch|collection|bunch)\s+of\s+(?:[^\s.!?]+[ \t]+)*"
        + _ITEMS_EN
        + r"\b",
        # A placeholder count is a template: any listed things count as generated data.
        _MAKE
        + r"\s+(?:me\s+)?(?:a list of\s+|exactly\s+|at least\s+)?"
        + _COUNT_SLOT
        + r"\s+(?:[^\s.!?]+[ \t]+)*(?:\w+s)\b",
        r"\b(?:help me|i (?:would like|want|need) you to)\s+(?:to\s+)?(?:help me\s+)?(?:generate|create|come up with|produce|brainstorm|write)\s+(?:[^\s.!?]+[ \t]+)*(?:prompts|tasks|questions|examples|instructions|problems|pairs|test cases|samples|riddles|puzzles|jokes)\b",
        r"\bcome up with (?:new |more |additional )?(?:examples|tasks|prompts|instructions) (?:for|of|that|similar|like)\b",
        r"\bcome up with (?:a (?:series|set|list|batch|bunch) of|new|[1-9]\d+)\b",
        Gap(
            r"\b(?:write|generate|create|produce|synthesi[sz]e)\w*\s+(?:one|a|an|a single|\d+)\s+(?:[\w-]+[ \t]+)*(?:examples?|samples?|data ?points?|instances?|triples?|pairs?)\b",
            r"\b(?:json|jsonl|yaml)\b",
        ),
        r"\brewrite (?:a|the) given (?:prompt|instruction|question|task) into\b|\b(?:more complex|harder|more difficult) version of (?:a|the|this) (?:given )?(?:prompt|instruction|question|task)\b",
        # ... pairs and datasets ...
        r"\b(?:question|instruction|prompt|query|input|problem)[- /]+(?:and[- ])?(?:answer|response|output|completion|solution)[- ]pairs?\b|\bq ?& ?a pairs?\b|\bqa pairs?\b",
        Gap(
            r"\b(?:create|build|generate|make|produce|write|synthesi[sz]e|assemble|expand|augment|curate|collect|need|want)",
            r"\b(?:training|synthetic|fine[- ]?tuning|instruction[- ]tuning|sft|preference) (?:data|dataset|examples|samples|corpus)\b",
        ),
        r"\b(?:create|build|generate|make|assemble|expand|augment) (?:a |an |the |my |our )?(?:\w+ )?(?:dataset|data ?set|corpus)\b",
        # ... with a demand for diversity and a fixed format.
        r"\b(?:as|be|make (?:them|the \w+|it)|should be) (?:as )?(?:diverse|varied|different|unique) as possible\b|\bmaximi[sz]e (?:the )?diversity\b|\bdiversity (?:in|of) (?:topics?|verbs|style|difficulty|phrasing)",
        r"\b(?:new|another|more) (?:similar )?(?:examples?|prompts?|tasks?|problems?|questions?|instructions?) (?:similar to|inspired by|based on) (?:the|these|this|those|a given|the given|the above|the following)",
        # Spanish
        r"(?:genera|crea|escribe|produce|inventa|dame|elabora|propón|redacta)\s+(?:\d+|varias|varios|diez|cinco|veinte|una lista de|un conjunto de|una serie de)\s+(?:(?:nuevas?|nuevos|diferentes|diversas?|diversos|distintas?|distintos|variad[oa]s|únic[oa]s|originales),?\s+)*(?:preguntas|ejemplos|tareas|instrucciones|problemas|muestras|pares|conversaciones|diálogos|frases|oraciones|textos|consultas|ejercicios)",
        r"conjunto de datos|datos (?:de entrenamiento|sintéticos)|pares (?:de )?pregunta[- ]respuesta|lo más (?:diversas?|diversos|variad[oa]s) posible",
        # French
        r"(?:génère|générez|genere|crée|créez|écris|écrivez|produis|produisez|propose|proposez|donne-moi|rédige|rédigez|invente|inventez)\s+(?:\d+|plusieurs|dix|cinq|vingt|une liste de|un ensemble de|une série de)\s+(?:(?:nouve(?:aux|lles)|différent(?:e)?s|variée?s|divers(?:es)?|uniques|originaux|originales),?\s+)*(?:questions|exemples|tâches|instructions|problèmes|échantillons|paires|conversations|dialogues|phrases|textes|requêtes|exercices)",
        r"jeu de données|ensemble de données|données (?:d'entraînement|synthétiques)|paires question[- ]réponse|aussi (?:variée?s|diverse?s|différent(?:e)?s) que possible",
        # German
        r"(?:generiere|generieren sie|erzeuge|erzeugen sie|erstelle|erstellen sie|schreibe|schreiben sie|formuliere|nenne|gib mir|denke dir)\s+(?:\d+|mehrere|zehn|fünf|zwanzig|eine liste (?:von|mit)|einen satz (?:von|an)|eine reihe von)\s+(?:(?:neue[n]?|verschiedene[n]?|unterschiedliche[n]?|vielfältige[n]?|einzigartige[n]?|weitere),?\s+)*(?:fragen|beispiele|aufgaben|anweisungen|probleme|stichproben|paare|dialoge|gespräche|sätze|texte|anfragen|übungen)",
        r"datensatz|trainingsdaten|synthetische daten|frage[- ]antwort[- ]paare|möglichst (?:vielfältig|unterschiedlich|abwechslungsreich|verschieden)",
        # Portuguese
        r"(?:gere|gera|crie|cria|escreva|produza|elabore|me dê|proponha|invente)\s+(?:\d+|várias|vários|dez|cinco|vinte|uma lista de|um conjunto de|uma série de)\s+(?:(?:nov[oa]s|diferentes|diversas?|diversos|variad[oa]s|únic[oa]s|originais),?\s+)*(?:perguntas|exemplos|tarefas|instruções|problemas|amostras|pares|conversas|diálogos|frases|textos|consultas|exercícios)",
        r"conjunto de dados|dados (?:de treinamento|de treino|sintéticos)|pares (?:de )?pergunta[- ](?:e[- ])?resposta|o mais (?:diversas?|diversos|variad[oa]s) possível",
        # Chinese
        r"(?:生成|创建|编写|写出?|列出|给出|提供|设计|构造|出|编造|想出)\s*(?:\d+|[一二三四五六七八九十百几多两]+|若干|一系列|一组|一批)\s*(?:个|道|条|组|段|份|篇|对)?\s*(?:新的|不同的|多样的?|多样化的|各种|类似的|高质量的|全新的|独特的)?[^，。！？\n]*(?:问题|示例|例子|样本|任务|指令|题目|问答对|对话|句子|数据|测试用例|练习题)",
        r"数据集|训练数据|合成数据|问答对|指令数据|尽可能多样|多样化的(?:问题|示例|样本|指令)",
        # Japanese
        r"(?:\d+|[一二三四五六七八九十百]+|いくつか|複数)(?:個|つ|件|問|組|本)?の?(?:新しい|異なる|多様な|さまざまな|様々な|ユニークな|似た)?(?:質問|例|例文|サンプル|タスク|指示|問題|データ|会話|対話|文)(?:を|の)?(?:生成|作成|作っ|作り|書い|考え|出し|挙げ)",
        r"(?:質問|例|例文|サンプル|タスク|指示|問題|データ|会話|対話|文)を(?:\d+|[一二三四五六七八九十百]+)(?:個|つ|件|問|組|本)(?:ほど|くらい)?(?:生成|作成|作っ|作り|書い|考え|出し|挙げ)",
        r"データセット|学習データ|訓練データ|合成データ|質問と回答のペア|ＱＡペア|QAペア|できるだけ多様",
        # Russian
        r"(?:сгенерируй|сгенерируйте|создай|создайте|придумай|придумайте|напиши|напишите|составь|составьте|приведи|приведите)\s+(?:\d+|несколько|десять|пять|двадцать|список из|набор из)\s+(?:(?:нов|разн|различн|уникальн|разнообразн)\w*,?\s+)*(?:вопрос|пример|задач|инструкци|проблем|образц|пар|диалог|разговор|предложени|текст|запрос|упражнени)",
        r"набор данных|датасет|обучающ\w+ (?:данн|выборк)|синтетическ\w+ данн|пар\w* вопрос[- ]ответ|максимально разнообразн|как можно (?:более )?разнообразн",
        # Korean
        r"(?:\d+|여러|몇)\s*(?:개|가지|문항|쌍|개의)?\s*(?:새로운|다양한|서로 다른|독특한|비슷한)?\s*(?:질문|예시|예제|샘플|과제|작업|지시|문제|데이터|대화|문장)[을를]?\s*(?:생성|만들|작성|제시|제공)",
        r"(?:질문|예시|예제|샘플|과제|작업|지시|문제|데이터|대화|문장)\s*\d+\s*(?:개|가지|문항|쌍)[을를]?\s*(?:생성|만들|작성|제시|제공)",
        r"데이터셋|학습 ?데이터|훈련 ?데이터|합성 ?데이터|질문[- ]?답변 ?쌍|최대한 다양|가능한 한 다양",
    ),
    weak=(
        r"\b(?:json|jsonl|yaml|csv)\b|\bpython list\b|\"[a-z_]+\"\s*:",
        r"\bdiverse\b|\bdiversity\b|\bbe creative\b|\bdo not repeat\b|\bavoid (?:repetition|repeating)\b|\beach (?:example|question|task|item|entry|sample|instruction|one) (?:should|must)\b",
        r"\b(?:here are|below are|following are) (?:a few|some|several|\d+) (?:examples?|samples?)\b|\bexample \d+\s*[:.]",
        r"diversos|variées|vielfältig|diversas|多样|多様|разнообраз|다양한",
    ),
    triggers=(
        "generat",
        "create",
        "write",
        "produce",
        "come up",
        "brainstorm",
        "list",
        "give me",
        "make",
        "compose",
        "develop",
        "synthesi",
        "construct",
        "design",
        "draft",
        "provide",
        "propose",
        "devise",
        "craft",
        "help me",
        "you to",
        "pair",
        "dataset",
        "data set",
        "corpus",
        "training data",
        "synthetic data",
        "tuning data",
        "sft data",
        "preference data",
        "as possible",
        "diversity",
        "similar to",
        "inspired by",
        "based on",
        "rewrite a given",
        "rewrite the given",
        "version of",
        "json",
        "yaml",
        "{n",
        "{m",
        "{k",
        "{num",
        "{count",
        "{batch",
        "{total",
        "_count}",
        "_size}",
        "{{ n",
        "{{ m",
        "{{ k",
        "{{ num",
        "{{ count",
        "{{ batch",
        "{{ total",
        "{{n",
        "{{m",
        "{{num",
        "{{count",
        "_count }}",
        "_size }}",
        "genera",
        "crea",
        "escribe",
        "inventa",
        "dame",
        "elabora",
        "propón",
        "redacta",
        "conjunto de datos",
        "datos de",
        "pares",
        "lo más",
        "génère",
        "générez",
        "crée",
        "créez",
        "écris",
        "écrivez",
        "produis",
        "donne-moi",
        "rédige",
        "invente",
        "jeu de données",
        "ensemble de données",
        "données d",
        "que possible",
        "generiere",
        "erzeuge",
        "erstelle",
        "schreibe",
        "formuliere",
        "nenne",
        "gib mir",
        "denke dir",
        "datensatz",
        "trainingsdaten",
        "synthetische daten",
        "frage-antwort",
        "möglichst",
        "gere",
        "gera",
        "crie",
        "cria",
        "escreva",
        "produza",
        "elabore",
        "me dê",
        "proponha",
        "conjunto de dados",
        "dados de",
        "o mais",
        "生成",
        "创建",
        "编写",
        "写",
        "列出",
        "给出",
        "提供",
        "设计",
        "构造",
        "出",
        "编造",
        "想出",
        "数据集",
        "训练数据",
        "合成数据",
        "问答对",
        "指令数据",
        "多样",
        "作成",
        "作っ",
        "作り",
        "書い",
        "考え",
        "出し",
        "挙げ",
        "データセット",
        "学習データ",
        "訓練データ",
        "合成データ",
        "ペア",
        "多様",
        "сгенерируй",
        "создай",
        "придумай",
        "напиши",
        "составь",
        "приведи",
        "набор данных",
        "датасет",
        "обучающ",
        "синтетическ",
        "вопрос-ответ",
        "вопрос - ответ",
        "разнообразн",
        "생성",
        "만들",
        "작성",
        "제시",
        "제공",
        "데이터셋",
        "학습",
        "훈련",
        "합성",
        "쌍",
        "다양",
    ),
)

CENSORSHIP_REWRITE = Family(
    strong=(
        # English: rewrite so that a sensitive request passes a censor or a refusal.
        r"\b(?:rewrite|rephrase|reword|paraphrase|reformulate|sanitize|sanitise|soften|neutrali[sz]e|tone down|clean up|transform|convert|edit|adjust|modify|alter|disguise)\w*[^.!?\n]*(?:censor\w*|politically (?:sensitive|safe|neutral|acceptable)|sensitive (?:topics?|terms?|words?|content|keywords?|issues?|parts?|information)|taboo|(?:content )?(?:filters?|moderation)|refus(?:e|al|ed)|flagged|blocked|compliant|compliance|regulat\w+|authorities|government)",
        r"\b(?:so (?:that )?(?:it|they|the \w+)|to make (?:it|them)) (?:would|will|wo|does|do|can)?(?:n'?t| not)? ?(?:be |get |trigger )?(?:censored|flagged|refused|blocked|filtered|moderated|rejected)\b",
        r"\b(?:censorship|censor)[- ](?:safe|proof|friendly|compliant|resistant)\b|\b(?:avoid|bypass|evade|circumvent|get (?:past|around|through)|pass|survive)\w*\s+(?:the )?(?:\w+ )?(?:censors?|censorship|content (?:filters?|moderation|review)|moderation|safety filters?)\b",
        Gap(
            r"\b(?:comply|compliant|compliance|in line|consistent) with\b",
            r"\b(?:censorship|regulations?|government|authorities|core socialist values|content (?:rules|policy|policies|regulations)|local laws?)\b|\bcore socialist values\b",
        ),
        r"\b(?:politically|culturally) (?:safe|neutral|acceptable|sanitized|correct) (?:version|rewrite|wording|phrasing|way)\b|\b(?:safe|neutral|harmless|sanitized|sanitised|inoffensive) (?:version|rewrite|rephrasing|phrasing|wording) of\b",
        # Spanish
        r"(?:reescribe|reformula|parafrasea|suaviza|modifica|cambia|adapta)\w*[^.!?\n]*(?:censur\w*|sensibles?|polémic\w*|controvertid\w*|políticamente|filtros?|rechaz\w*|prohibid\w*|autoridades|gobierno)",
        r"a prueba de censura|(?:evitar|eludir|burlar|pasar) (?:la )?censura|temas? (?:políticamente )?sensibles?",
        # French
        r"(?:réécris|réécrivez|reformule|reformulez|paraphrase|paraphrasez|adoucis|adoucissez|modifie|modifiez|adapte|adaptez)\w*[^.!?\n]*(?:censur\w*|sensibles?|polémique\w*|controvers\w*|politiquement|filtres?|refus\w*|interdit\w*|autorités|gouvernement)",
        r"à l'abri de la censure|(?:éviter|contourner|passer) (?:la )?censure|sujets? (?:politiquement )?sensibles?",
        # German
        r"(?:schreibe|schreiben sie|formuliere|formulieren sie|entschärfe|entschärfen sie|ändere|ändern sie|passe|passen sie)\w*[^.!?\n]*(?:zensur\w*|heikel\w*|sensibel\w*|sensible[nr]?|kontrovers\w*|politisch|filter\w*|abgelehnt|verboten\w*|behörden|regierung)",
        r"zensursicher|(?:zensur|filter) (?:umgehen|zu umgehen|vermeiden)|(?:politisch )?(?:heikle|sensible)n? themen",
        # Portuguese
        r"(?:reescreva|reformule|parafraseie|suavize|modifique|adapte|altere)\w*[^.!?\n]*(?:censur\w*|sensíve(?:l|is)|polêmic\w*|controvers\w*|politicamente|filtros?|recus\w*|proibid\w*|autoridades|governo)",
        r"à prova de censura|(?:evitar|driblar|contornar|passar pela) censura|temas? (?:politicamente )?sensíveis",
        # Chinese
        r"(?:改写|重写|改述|润色|转述|换个说法|换一种说法|重新表述|改成|修改)[^。！？\n]*(?:敏感|审查|审核|合规|和谐|政治|避免|过滤|屏蔽|违规|被拒)",
        r"规避审查|通过审查|绕过审查|躲过审查|避开敏感|去敏感化|社会主义核心价值观|敏感(?:词|话题|内容|问题)[^。！？\n]*(?:替换|改写|避免|删除|规避)",
        # Japanese
        r"(?:書き換え|言い換え|リライト|表現を変え|修正)[^。！？\n]*(?:検閲|センシティブ|敏感|無難|問題のない|規制|フィルター|拒否)",
        r"検閲を(?:回避|避け|通過|すり抜け)|センシティブな(?:話題|内容|質問|表現)を(?:避け|言い換え|書き換え)",
        # Russian
        r"(?:перепиши|перепишите|перефразируй|перефразируйте|переформулируй|смягчи|смягчите|измени|адаптируй)\w*[^.!?\n]*(?:цензур\w*|чувствительн\w*|остр\w+ тем|политически|фильтр\w*|отказ\w*|запрещ\w*|власт\w*|правительств\w*)",
        r"(?:обойти|избежать|пройти) цензур\w*|чувствительн\w+ тем\w*",
        # Korean
        r"(?:다시 ?(?:작성|써)|바꿔 ?(?:써|말)|재작성|순화|수정)[^.!?\n]*(?:검열|민감|정치적|필터|거부|규정)",
        r"검열을? (?:피|우회|통과)|민감한 (?:주제|내용|질문|표현)[을를]? (?:피|바꾸|순화)",
    ),
    weak=(
        r"\bcensor\w*|\bsensitive\b|\bpolitically\b|\bsanitiz|\bsanitis|敏感|审查|検閲|цензур|검열|zensur|censura|censure",
    ),
    triggers=(
        "censor",
        "sensitive",
        "taboo",
        "filter",
        "moderat",
        "refus",
        "flagged",
        "blocked",
        "compliant",
        "compliance",
        "regulat",
        "authorities",
        "government",
        "rejected",
        "politically",
        "culturally",
        "censur",
        "sensible",
        "polémic",
        "controvertid",
        "controvers",
        "rechaz",
        "prohibid",
        "autoridades",
        "gobierno",
        "polémique",
        "interdit",
        "autorités",
        "gouvernement",
        "zensur",
        "heikel",
        "sensibel",
        "kontrovers",
        "politisch",
        "abgelehnt",
        "verboten",
        "behörden",
        "regierung",
        "sensíve",
        "polêmic",
        "recus",
        "proibid",
        "governo",
        "敏感",
        "审查",
        "审核",
        "合规",
        "和谐",
        "政治",
        "避免",
        "过滤",
        "屏蔽",
        "违规",
        "被拒",
        "规避",
        "绕过",
        "躲过",
        "避开",
        "社会主义核心价值观",
        "検閲",
        "センシティブ",
        "無難",
        "問題のない",
        "規制",
        "フィルター",
        "拒否",
        "цензур",
        "чувствительн",
        "остр",
        "политически",
        "фильтр",
        "отказ",
        "запрещ",
        "власт",
        "правительств",
        "검열",
        "민감",
        "정치적",
        "필터",
        "거부",
        "규정",
    ),
)

PERSONA_SYSTEM = Family(
    # Matched against the start of the system prompt and of the prompt (see request.py).
    strong=(
        r"^\W{0,8}(?:(?:never forget|always remember|remember),? )?(?:(?:you are|you're) (?:a|an|the|now|my|acting|going to (?:act|play|be))\b|you will (?:act|play|serve) as|you will be (?:a|an|acting|playing)\b|you are about to (?:immerse|become|play|act|take on)|act as|acting as|pretend (?:to be|you are)|imagine (?:that )?you are|assume the (?:role|persona|identity)|role[- ]?play(?:ing)? as|from now on,? you(?: are|'re| will)|your (?:name|role|persona) is|i want you (?:to )?(?:act|play|be|pretend)|as an? (?:\w+ ){0,3}(?:expert|assistant|ai|teacher|tutor|professional))\b",
        r"^\W{0,8}(?:eres (?:un|una|el|la|ahora)\b|usted es (?:un|una)\b|actúa como|actua como|asume el (?:rol|papel)|imagina que eres|finge (?:ser|que eres)|quiero que actúes como)",
        r"^\W{0,8}(?:tu es (?:un|une|le|la|maintenant)\b|vous êtes (?:un|une|le|la|maintenant)\b|agis comme|agissez comme|joue le rôle|jouez le rôle|imagine que tu es|je veux que tu agisses)",
        r"^\W{0,8}(?:du bist (?:ein|eine|der|die|das|jetzt)|sie sind (?:ein|eine|der|die|jetzt)\b|agiere als|agieren sie als|handle als|verhalte dich (?:wie|als)|stell dir vor,? du bist|schlüpfe in die rolle|ich möchte, dass du)",
        r"^\W{0,8}(?:(?:você|voce|tu) (?:é|és) (?:um|uma|o|a|agora)\b|aja como|atue como|finja (?:ser|que é)|imagine que você é|quero que você (?:aja|atue))",
        r"^\W{0,8}(?:(?:你|您)(?:现在)?是(?:一[个名位]|专业|资深|经验丰富|世界级|顶级|专家|助手)|现在你是|请你?扮演|假设你是|假如你是|作为一[个名位])",
        r"^\W{0,8}(?:あなたは|君は|お前は)[^。！？\n]*(?:です|だ|である)(?:。|$|\n)|^\W{0,8}(?:あなたは|君は)[^。！？\n]*(?:として|役)|として(?:振る舞|ふるま|行動|回答)|になりきって",
        r"^\W{0,8}(?:ты\s*[-—–]|вы\s*[-—–]|ты являешься|вы являетесь|представь,? что ты|действуй как|веди себя как|выступи в роли|ты\s+(?:опытн|профессиональн|эксперт|помощник|ассистент))",
        r"^\W{0,8}(?:당신은|너는|넌)[^.!?\n]*(?:입니다|이다|야|예요|이에요)|^\W{0,8}(?:역할을 맡|역할극)",
    ),
    weak=(
        r"\b(?:expert|specialist|professional|seasoned|experienced|world[- ]class|senior|renowned)\b|\bpersona\b|\bin character\b|\bstay in character\b",
        r"experto|experta|especialista|expert|experte|expertin|专家|專家|専門家|эксперт|전문가",
    ),
)

AGENTIC = Family(
    strong=(
        r"\"type\"\s*:\s*\"function\"|\"parameters\"\s*:\s*\{|\"input_schema\"|\"tool_choice\"|function[_ ]call(?:ing|s)?\b|\btool[_ ]calls?\b|<tool_call>|<function_calls?>|<invoke\b",
        r"\b(?:available|following|these) (?:tools|functions|apis)\b|\bavailable actions\b|\b(?:access to|use|call) (?:the following |these )?(?:tools|functions|apis)\b",
        r"(?:^|\n)\s*(?:thought|action|action input|observation)\s*:",
        r"\bcomputer[_ ]use\b|\bxdotool\b|\b(?:mouse_move|left_click|right_click|double_click|key_press|type_text|cursor_position)\b|\b(?:take|took|taking|capture|send) (?:a |the )?screenshot",
        Gap(
            r"\b(?:left |right |double )?click\w*",
            r"\b(?:coordinates?|pixel|x\s*=\s*\d+|\(\s*\d+\s*,\s*\d+\s*\))",
        ),
        Gap(
            r"\b(?:execute|run) (?:the |this |a )?(?:command|shell|bash|terminal|code)\b",
            r"\b(?:and|then) (?:observe|report|return|read)|\bbash tool\b|\bstr_replace_editor\b",
        ),
        r"herramientas disponibles|outils disponibles|verfügbare(?:n)? (?:werkzeuge|tools|funktionen)|ferramentas disponíveis|可用(?:的)?(?:工具|函数)|利用可能な(?:ツール|関数)|доступн\w+ (?:инструмент|функци)|사용 가능한 (?:도구|함수)",
    ),
    weak=(
        r"\b(?:tools?|functions?|api|apis|agent|agents|browser|navigate|execute|invoke|screenshots?|click)\b",
        r"herramienta|outil|werkzeug|ferramenta|工具|ツール|инструмент|도구",
    ),
    triggers=(
        "run bash",
        "execute bash",
        "run shell",
        "execute shell",
        "run terminal",
        "run a shell",
        "run a bash",
        "run a terminal",
        "run this shell",
        "run this bash",
        "run this terminal",
        "execute this code",
        "execute a code",
        "run a code",
        "execute the terminal",
        "execute this shell",
        "execute a shell",
        "execute the bash",
        "execute a bash",
        "execute the code",
        "thought :",
        "action :",
        "observation :",
        '"type"',
        '"parameters"',
        '"input_schema"',
        '"tool_choice"',
        "function call",
        "function_call",
        "tool call",
        "tool_call",
        "<tool_call>",
        "<function_call",
        "<invoke",
        "type_text",
        "cursor_position",
        "available tools",
        "available functions",
        "available actions",
        "available apis",
        "following tools",
        "following functions",
        "following apis",
        "these tools",
        "these functions",
        "these apis",
        "access to tools",
        "access to functions",
        "access to apis",
        "access to the following",
        "access to these",
        "use the following tools",
        "use these tools",
        "call the following",
        "call these",
        "use tools",
        "call tools",
        "use functions",
        "call functions",
        "thought:",
        "action:",
        "action input:",
        "observation:",
        "computer use",
        "computer_use",
        "screenshot",
        "click",
        "mouse",
        "key press",
        "keypress",
        "xdotool",
        "left_click",
        "right_click",
        "double_click",
        "key_press",
        "execute the command",
        "execute this command",
        "execute a command",
        "run the command",
        "run this command",
        "run a command",
        "execute the code",
        "run the code",
        "run this code",
        "execute code",
        "run code",
        "run the shell",
        "run the bash",
        "run the terminal",
        "execute the shell",
        "bash tool",
        "str_replace_editor",
        "herramientas disponibles",
        "outils disponibles",
        "verfügbare",
        "ferramentas disponíveis",
        "可用",
        "利用可能な",
        "доступн",
        "사용 가능한",
    ),
)

FAMILIES: dict[str, Family] = {
    "cot_elicitation": COT_ELICITATION,
    "reasoning_extraction": REASONING_EXTRACTION,
    "rubric_grading": RUBRIC_GRADING,
    "synthetic_data": SYNTHETIC_DATA,
    "censorship_rewrite": CENSORSHIP_REWRITE,
    "persona_system": PERSONA_SYSTEM,
    "agentic": AGENTIC,
}

# Capability cues, tried left to right in one pass (the earliest cue in the text wins, which
# is usually the subject of the request); writing verbs only decide when no domain cue is
# present, so "write a Python function" is coding, not writing.
CAPABILITY_CUES: dict[str, str] = {
    "coding": r"```|\b(?:python|javascript|typescript|java|c\+\+|c#|golang|rust|ruby|php|kotlin|swift|scala|sql|html|css|bash|shell script|powershell|regex|regular expression|function|class|method|algorithm|source code|code|coding|program|programming|script|compile|compiler|debug|bug|stack ?trace|exception|def |import |#include|console\.log|leetcode|unit tests?|refactor|api endpoint|json schema|dockerfile|kubernetes|git)\b|编程|代码|程序|函数|コード|プログラム|関数|код|программ|функци|코드|프로그램|함수|código|programa|programm",
    "math": r"\b(?:math|maths|mathematics|mathematical|equation|equations|integral|derivative|calculus|algebra|geometry|trigonometry|probability|theorem|lemma|proof|prove|solve for|arithmetic|polynomial|matrix|matrices|fraction|percentage|how many|how much (?:is|does|will|would)|sum of|product of|remainder|prime|integer|real numbers?|triangle|circle|area of|perimeter|lean ?4?)\b|\\(?:frac|boxed|sqrt|int|sum|cdot|pi)\b|\$[^$\n]+\$|\d\s*[-+*/×÷^=]\s*\d|数学|方程|计算|几何|概率|定理|証明|数学|方程式|計算|математ|уравнени|вычисли|теорем|수학|방정식|계산|정리|ecuaci|équation|gleichung|equação|matemáti|mathémat",
    "translation": r"\btranslat\w*|\btraduc\w*|\btraduis\w*|\btraduz\w*|\bübersetz\w*|翻译|翻譯|翻訳|перевед\w*|перевод|번역",
    "data_analysis": r"\b(?:csv|tsv|spreadsheet|excel|dataframe|pandas|dataset|data analysis|analy[sz]e (?:the|this) data|statistics|statistical|regression|correlation|chart|plot|histogram|pivot|aggregate|mean|median|standard deviation|sql query|table below|the following table)\b|数据分析|统计|データ分析|統計|анализ данных|статистик|데이터 분석|통계",
    "reasoning": r"\b(?:puzzle|riddle|logic|logical|deduce|deduction|infer|inference|syllogism|brain ?teaser|paradox|lateral thinking)\b|推理|逻辑|谜题|論理|推論|パズル|логик|загадк|головоломк|논리|추론|수수께끼",
    "vision": r"\b(?:this|the|attached|following|above|given) (?:image|picture|photo|photograph|screenshot|diagram|figure|chart|scan)\b|\bin the (?:image|picture|photo)\b|图片|图像|画像|写真|изображени|картинк|фото|이미지|사진",
    "writing": r"\b(?:write|compose|draft|rewrite|edit|proofread|essay|story|stories|poem|poetry|lyrics|song|e-?mail|letter|blog|article|novel|speech|summary|summari[sz]e|paraphrase|tweet|slogan|headline|cover letter|outline|script|haiku|limerick)\b|escrib|redact|écri|rédig|schreib|verfass|escrev|写|作文|文章|書い|作成して|напиши|сочин|작성|써 ?줘|글",
}
CHIT_CHAT = r"^\W{0,4}(?:hi|hello|hey|yo|thanks|thank you|good (?:morning|evening|night|afternoon)|how are you|what'?s up|who are you|lol|ok|okay|hola|buenos días|gracias|bonjour|salut|merci|hallo|guten (?:morgen|tag)|danke|olá|oi|obrigad|你好|您好|谢谢|こんにちは|ありがとう|привет|здравствуй|спасибо|안녕|감사)"
