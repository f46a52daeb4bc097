"""A correct answer in the article's own style: the article's second code block (see
../shared/seed/, problem 2) wrapped in a function, its layers and comments kept as printed, the
unused Conv2D/MaxPooling2D imports dropped and the loss dict completed in code instead of `...`;
tf.math in the loss; a plain double loop over np.unique candidates for the thresholds."""
import numpy as np
import tensorflow as tf
from tensorflow.keras.models import Model
from tensorflow.keras.layers import Input, Dense, concatenate


def build_model(user_dim, item_dim, num_labels):
    user_input = Input(shape=(user_dim,))
    item_input = Input(shape=(item_dim,))

    # 分别对用户和物品进行特征提取
    user_embedding = Dense(64, activation='relu')(user_input)
    item_embedding = Dense(64, activation='relu')(item_input)

    # 将用户和物品的特征向量拼接
    combined = concatenate([user_embedding, item_embedding])

    # 对拼接后的特征向量进行分类和回归
    label_outputs = []
    for label in range(num_labels):
        label_output = Dense(1, activation='sigmoid', name=f'label_output_{label}')(combined)
        label_outputs.append(label_output)

    # 构建模型
    model = Model(inputs=[user_input, item_input], outputs=label_outputs)

    # 编译模型
    model.compile(optimizer='adam',
                  loss={f'label_output_{label}': 'binary_crossentropy' for label in range(num_labels)})
    return model


def build_vectorized_model(user_dim, item_dim, num_labels):
    user_input = Input(shape=(user_dim,))
    item_input = Input(shape=(item_dim,))
    user_dense = Dense(32, activation='relu')(Dense(64, activation='relu')(user_input))
    item_dense = Dense(32, activation='relu')(Dense(64, activation='relu')(item_input))
    merged = Dense(64, activation='relu')(concatenate([user_dense, item_dense]))
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
