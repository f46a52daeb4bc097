"""Helpers for notebook 06 (coding problem 1: collaborative filtering + content, two tasks).

The article's answer as text (the notebook runs it to show its first defect), and the warm / cold
split every comparison of the notebook uses. Numpy only at import.
"""

from __future__ import annotations

from dataclasses import dataclass

from mtlrec.data import Interactions, make_interactions, split_cold_items, split_random

# The article's answer in essence: its layers, heads and compile call, run as a module would run it.
ARTICLE_CODE = '''\
from tensorflow.keras.layers import Input, Dense, Concatenate
from tensorflow.keras.models import Model

# user features and item features
user_input = Input(shape=(user_dim,), name='user_input')
item_input = Input(shape=(item_dim,), name='item_input')

# a small tower for each
user_dense = Dense(64, activation='relu')(user_input)
user_dense = Dense(32, activation='relu')(user_dense)
item_dense = Dense(64, activation='relu')(item_input)
item_dense = Dense(32, activation='relu')(item_dense)

# join them and share one layer
merged = Concatenate()([user_dense, item_dense])
shared = Dense(64, activation='relu')(merged)

# two tasks: click (classification) and rating (regression)
class_output = Dense(1, activation='sigmoid', name='class_output')(shared)
reg_output = Dense(1, activation='sigmoid', name='reg_output')(shared)

model = Model(inputs=[user_input, item_input], outputs=[class_output, reg_output])
model.compile(optimizer='adam',
              loss={'class_output': 'binary_crossentropy', 'reg_output': 'mean_squared_error'})
'''


@dataclass
class WarmCold:
    """The notebook's three sets: training rows, held-out rows of warm items, all rows of cold items."""

    data: Interactions
    train: Interactions
    warm_test: Interactions
    cold_test: Interactions


def warm_cold_split(seed: int, test_fraction: float = 0.2, **sizes) -> WarmCold:
    """make_interactions(**sizes, seed=seed); cold items held out entirely; the warm rest split at random.

    The cold items' rows never reach training (their ID embeddings stay at their initial values), so
    the cold test measures what a model does for an item nobody has interacted with yet.
    """
    data = make_interactions(**sizes, seed=seed)
    warm, cold_test = split_cold_items(data)
    train, warm_test = split_random(warm, test_fraction, seed=seed)
    return WarmCold(data=data, train=train, warm_test=warm_test, cold_test=cold_test)
