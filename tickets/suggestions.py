"""Intake suggestions: which category and which team a new request most likely belongs to, from
its description alone. Pure computation, no database: `tickets.services.suggestions` trains and
stores a model per estate, `tickets.selectors.intake_suggestions` loads it and asks it.

The model is TF-IDF over character n-grams (1 to 3 characters within each word, like
scikit-learn's `analyzer="char_wb"`) feeding a multinomial naive Bayes classifier, one for the
category and one for the team. Character n-grams because Chinese is written without spaces: "漏水"
and "马桶" are features without a word segmenter. Naive Bayes because it is linear, trains in one
pass and is deterministic by construction (no random start, no iteration order to fix). Written in
plain Python: scikit-learn and numpy are not in the project's dependencies, and at a few thousand
tickets per estate the model is small enough that they would buy nothing but a heavy install.

While an estate's history is thin, `keyword_scores` ranks categories by the words of their names
(in the staff's language and in English) and by a few seeded keywords per default category.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

FORMAT_VERSION = 1
NGRAM_RANGE = (1, 3)
SMOOTHING = 1.0  # naive Bayes' additive smoothing (alpha), scikit-learn's default: honest confidences
# N-grams seen in a single ticket are noise (a name, a room number) once the history is large.
MIN_DOCUMENT_FREQUENCY_FROM = 500

_SEPARATORS = re.compile(r"[\W_]+")

# Seeded words per default category code (tickets.defaults), for the fallback only: what residents
# say, not the category's name. A category added in the admin falls back on its name alone.
CATEGORY_KEYWORDS: dict[str, tuple[str, ...]] = {
    "plumbing": ("下水道", "堵塞", "马桶", "水龙头", "水管", "热水器", "地漏", "洗手盆", "水压", "停水"),
    "electrical": ("插座", "没电", "跳闸", "灯不亮", "电路", "开关", "停电", "空开", "电线", "声控灯"),
    "water_leak": ("渗水", "漏水", "天花板", "反水", "滴水", "外墙", "爆裂", "水渍", "发霉"),
    "safety_facility": ("消防", "灭火器", "应急灯", "烟感", "消防栓", "疏散", "报警器"),
    "elevator": ("电梯", "困人", "轿厢", "电梯门", "异响", "按钮"),
    "doors_locks": ("门禁", "门锁", "锁芯", "防火门", "闭门器", "刷卡", "钥匙", "单元门"),
    "public_cleaning": ("垃圾", "清理", "保洁", "污渍", "打扫", "卫生", "异味", "积水"),
    "security": ("陌生人", "监控", "道闸", "保安", "巡逻", "偷", "盗", "可疑"),
    "landscaping": ("草坪", "树枝", "绿化", "修剪", "浇水", "花园", "树木", "虫害"),
    "noise": ("噪音", "吵", "扰民", "深夜", "广场舞", "音乐", "装修声"),
    "parking": ("车位", "停车", "占用", "乱停", "车库", "访客车"),
    "neighbour_dispute": ("邻居", "杂物", "宠物", "纠纷", "楼道堆放", "狗"),
    "fees": ("物业费", "账单", "发票", "缴费", "费用", "收费", "退款"),
    "renovation": ("装修", "审批", "押金", "施工", "装修垃圾"),
    "other": ("咨询", "建议", "快递", "活动"),
}


def normalize(text: str) -> str:
    """Full-width to half-width, lower case, punctuation to spaces."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return _SEPARATORS.sub(" ", text).strip()


def char_ngrams(text: str, ngram_range: tuple[int, int] = NGRAM_RANGE) -> Counter[str]:
    """Character n-grams inside each word, the word padded with a space at each end (as
    scikit-learn's `char_wb`), so "漏水" gives " 漏", "漏水", "水 ", " 漏水", …"""
    low, high = ngram_range
    grams: Counter[str] = Counter()
    for word in normalize(text).split():
        padded = f" {word} "
        for size in range(low, high + 1):
            if size == 1:
                grams.update(word)  # single characters; the padding alone is no feature
                continue
            for start in range(len(padded) - size + 1):
                grams[padded[start : start + size]] += 1
    return grams


@dataclass(frozen=True)
class Ranked:
    label: int
    confidence: float


class Vectorizer:
    """Sublinear TF-IDF with smooth idf, rows scaled to unit length (scikit-learn's defaults with
    `sublinear_tf=True`). N-grams outside the learnt vocabulary are dropped."""

    def __init__(self, idf: dict[str, float]):
        self.idf = idf

    @classmethod
    def fit(cls, texts: Sequence[str]) -> tuple[Vectorizer, list[dict[str, float]]]:
        counted = [char_ngrams(text) for text in texts]
        document_frequency: Counter[str] = Counter()
        for grams in counted:
            document_frequency.update(grams.keys())
        min_df = 2 if len(texts) >= MIN_DOCUMENT_FREQUENCY_FROM else 1
        total = len(texts)
        idf = {
            gram: math.log((1 + total) / (1 + df)) + 1.0
            for gram, df in document_frequency.items()
            if df >= min_df
        }
        vectorizer = cls(idf)
        return vectorizer, [vectorizer._weigh(grams) for grams in counted]

    def transform(self, text: str) -> dict[str, float]:
        return self._weigh(char_ngrams(text))

    def _weigh(self, grams: Counter[str]) -> dict[str, float]:
        weights = {
            gram: (1.0 + math.log(count)) * self.idf[gram]
            for gram, count in grams.items()
            if gram in self.idf
        }
        norm = math.sqrt(sum(w * w for w in weights.values()))
        return {gram: w / norm for gram, w in weights.items()} if norm else {}


class NaiveBayes:
    """Multinomial naive Bayes on TF-IDF weights, stored sparsely: for each class its log prior
    and the log probability of an unseen n-gram (`floor`), and for each n-gram only the classes
    that saw it, with how much more likely it makes them than the floor (`lift`)."""

    def __init__(self, labels: list[int], log_prior: list[float], floor: list[float], lift: dict):
        self.labels = labels
        self.log_prior = log_prior
        self.floor = floor
        self.lift: dict[str, list[tuple[int, float]]] = lift

    @classmethod
    def fit(
        cls, rows: Sequence[dict[str, float]], targets: Sequence[int], vocabulary_size: int
    ) -> NaiveBayes:
        labels = sorted(set(targets))
        index = {label: i for i, label in enumerate(labels)}
        class_counts = Counter(targets)
        weights: list[dict[str, float]] = [defaultdict(float) for _ in labels]
        for row, target in zip(rows, targets, strict=True):
            mass = weights[index[target]]
            for gram, value in row.items():
                mass[gram] += value
        totals = [sum(mass.values()) for mass in weights]
        log_prior = [math.log(class_counts[label] / len(targets)) for label in labels]
        floor = [math.log(SMOOTHING / (total + SMOOTHING * vocabulary_size)) for total in totals]
        lift: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, mass in enumerate(weights):
            for gram, value in sorted(mass.items()):
                lift[gram].append((i, math.log((value + SMOOTHING) / SMOOTHING)))
        return cls(labels, log_prior, floor, dict(lift))

    def rank(self, row: dict[str, float], limit: int = 3) -> list[Ranked]:
        if not self.labels:
            return []
        mass = sum(row.values())
        scores = [prior + floor * mass for prior, floor in zip(self.log_prior, self.floor, strict=True)]
        for gram, value in row.items():
            for i, lift in self.lift.get(gram, ()):
                scores[i] += value * lift
        top = max(scores)
        exp = [math.exp(score - top) for score in scores]
        total = sum(exp)
        ranked = sorted(range(len(scores)), key=lambda i: (-scores[i], self.labels[i]))
        return [Ranked(self.labels[i], exp[i] / total) for i in ranked[:limit]]

    def as_dict(self) -> dict:
        return {"labels": self.labels, "log_prior": self.log_prior, "floor": self.floor, "lift": self.lift}

    @classmethod
    def from_dict(cls, data: dict) -> NaiveBayes:
        lift = {gram: [(i, value) for i, value in pairs] for gram, pairs in data["lift"].items()}
        return cls(data["labels"], data["log_prior"], data["floor"], lift)


@dataclass
class IntakeModel:
    """What one estate's history teaches: the vectorizer and a classifier per target."""

    vectorizer: Vectorizer
    category: NaiveBayes
    team: NaiveBayes
    # The team that most often finished each category's tickets: the team shown with a category.
    team_by_category: dict[int, int]

    @classmethod
    def fit(cls, examples: Iterable[tuple[str, int, int | None]]) -> IntakeModel:
        """`examples`: (description, category id, team id or None) of finished tickets."""
        # Sorted, so the model depends on the history only, not on the order it was read in.
        examples = sorted(examples, key=lambda e: (e[0], e[1], -1 if e[2] is None else e[2]))
        vectorizer, rows = Vectorizer.fit([text for text, _, _ in examples])
        size = len(vectorizer.idf)
        category = NaiveBayes.fit(rows, [cat for _, cat, _ in examples], size)
        with_team = [
            (row, team) for row, (_, _, team) in zip(rows, examples, strict=True) if team is not None
        ]
        team = NaiveBayes.fit([row for row, _ in with_team], [t for _, t in with_team], size)
        teams_of: dict[int, Counter[int]] = defaultdict(Counter)
        for _, cat, team_id in examples:
            if team_id is not None:
                teams_of[cat][team_id] += 1
        team_by_category = {
            cat: min(counts, key=lambda t: (-counts[t], t)) for cat, counts in sorted(teams_of.items())
        }
        return cls(vectorizer, category, team, team_by_category)

    def rank(self, description: str, limit: int = 3) -> tuple[list[Ranked], list[Ranked]]:
        """Categories and teams, most likely first (limit each); a wider limit lets the caller
        drop labels no longer in use and still show three."""
        row = self.vectorizer.transform(description)
        return self.category.rank(row, limit), self.team.rank(row, limit)

    def dumps(self) -> bytes:
        data = {
            "version": FORMAT_VERSION,
            "idf": self.vectorizer.idf,
            "category": self.category.as_dict(),
            "team": self.team.as_dict(),
            "team_by_category": self.team_by_category,
        }
        return zlib.compress(
            json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode(), 6
        )

    @classmethod
    def loads(cls, payload: bytes) -> IntakeModel:
        data = json.loads(zlib.decompress(bytes(payload)))
        if data.get("version") != FORMAT_VERSION:
            raise ValueError("unknown suggestion model format")
        return cls(
            Vectorizer(data["idf"]),
            NaiveBayes.from_dict(data["category"]),
            NaiveBayes.from_dict(data["team"]),
            {int(cat): team for cat, team in data["team_by_category"].items()},
        )


def keyword_scores(description: str, keywords: dict[int, Iterable[str]]) -> list[Ranked]:
    """Categories whose keywords occur in the description, by the share of matched characters
    (a longer keyword says more than a single character). Empty when nothing matches."""
    text = normalize(description).replace(" ", "")
    scores: dict[int, float] = {}
    for label, words in keywords.items():
        score = 0.0
        for word in {normalize(w).replace(" ", "") for w in words}:
            if word and (len(word) >= 2 or not word.isascii()) and word in text:
                score += len(word)
        if score:
            scores[label] = score
    total = sum(scores.values())
    ranked = sorted(scores, key=lambda label: (-scores[label], label))
    return [Ranked(label, scores[label] / total) for label in ranked]
