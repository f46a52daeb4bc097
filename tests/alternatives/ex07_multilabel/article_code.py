"""A correct answer in the article's own style: its code wrapped in functions, `tensorflow.keras`
imports, the unused Conv2D/MaxPooling2D imports removed and the loss dict completed in code;
tf.math in the loss; a plain double loop over np.unique candidates for the thresholds."""
import numpy as np
import tensorflow as tf
from tensorflow.keras.layers import Concatenate, Dense, Input
from tensorflow.keras.models import Model


def build_model(user_dim, item_dim, num_labels):
    # 定义用户特征输入
    user_input = Input(shape=(user_dim,), name='user_input')
    user_dense = Dense(64, activation='relu')(user_input)
    user_dense = Dense(32, activation='relu')(user_dense)

    # 定义物品特征输入
    item_input = Input(shape=(item_dim,), name='item_input')
    item_dense = Dense(64, activation='relu')(item_input)
    item_dense = Dense(32, activation='relu')(item_dense)

    # 合并用户和物品特征
    merged = Concatenate()([user_dense, item_dense])
    merged = Dense(64, activation='relu')(merged)

    # 多标签输出
    output_layers = []
    for i in range(num_labels):
        output_layers.append(Dense(1, activation='sigmoid', name=f'label_output_{i}')(merged))

    model = Model(inputs=[user_input, item_input], outputs=output_layers)
    model.compile(optimizer='adam',
                  loss={f'label_output_{i}': 'binary_crossentropy' for i in range(num_labels)})
    return model


def build_vectorized_model(user_dim, item_dim, num_labels):
    user_input = Input(shape=(user_dim,))
    item_input = Input(shape=(item_dim,))
    user_dense = Dense(32, activation='relu')(Dense(64, activation='relu')(user_input))
    item_dense = Dense(32, activation='relu')(Dense(64, activation='relu')(item_input))
    merged = Dense(64, activation='relu')(Concatenate()([user_dense, item_dense]))
    output = Dense(num_labels, activation='sigmoid', name='labels')(merged)
    model = Model(inputs=[user_input, item_input], outputs=output)
    model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=0.002),
                  loss=tf.keras.losses.BinaryCrossentropy())
    return model


def weighted_binary_crossentropy(positive_weights):
    weights = tf.constant(positive_weights, dtype=tf.float32)

    def loss(y_true, y_pred):
        y_true = tf.cast(y_true, tf.float32)
        y_pred = tf.clip_by_value(tf.cast(y_pred, tf.float32), 1e-7, 1 - 1e-7)
        per_label = -(weights * y_true * tf.math.log(y_pred) + (1 - y_true) * tf.math.log(1 - y_pred))
        return tf.reduce_mean(per_label, axis=-1)

    return loss


def tune_thresholds(y_true, y_probability):
    y_true = np.asarray(y_true)
    thresholds = []
    for label in range(y_true.shape[1]):
        truth = y_true[:, label] == 1
        if truth.sum() == 0:
            thresholds.append(0.5)
            continue
        best_threshold, best_f1 = 0.5, -1.0
        for candidate in np.unique(y_probability[:, label]):
            predicted = y_probability[:, label] >= candidate
            tp = np.sum(predicted & truth)
            fp = np.sum(predicted & ~truth)
            fn = np.sum(~predicted & truth)
            f1 = 2 * tp / (2 * tp + fp + fn)
            if f1 > best_f1:
                best_threshold, best_f1 = candidate, f1
        thresholds.append(best_threshold)
    return np.array(thresholds, dtype=np.float32)
