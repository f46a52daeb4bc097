"""A correct answer in the article's style: `tensorflow.keras` imports, the article's first code block
wrapped in build_model exactly as printed (its comments too), list inputs with shape (1,) ids, a Dot (matrix-factorization) score, losses
and loss weights as lists, a linear rating head, SGD with momentum, metrics."""
import tensorflow as tf
from tensorflow.keras.layers import Concatenate, Dense, Dot, Embedding, Flatten, Input, concatenate
from tensorflow.keras.models import Model


def build_model(user_dim, item_dim):
    # the article's first code block (../shared/seed/, problem 1) as printed, inside the function that
    # defines user_dim and item_dim; its fit() call left out (build_model returns the compiled model)
    user_input = Input(shape=(user_dim,))
    item_input = Input(shape=(item_dim,))

    # 分别对用户和物品进行特征提取
    user_embedding = Dense(64, activation='relu')(user_input)
    item_embedding = Dense(64, activation='relu')(item_input)

    # 将用户和物品的特征向量拼接
    combined = concatenate([user_embedding, item_embedding])

    # 对拼接后的特征向量进行分类和回归
    class_output = Dense(1, activation='sigmoid', name='class_output')(combined)
    reg_output = Dense(1, activation='sigmoid', name='reg_output')(combined)

    # 构建模型
    model = Model(inputs=[user_input, item_input], outputs=[class_output, reg_output])

    # 编译模型
    model.compile(optimizer='adam', loss={'class_output': 'binary_crossentropy', 'reg_output': 'mean_squared_error'})
    return model


def _inputs(user_feature_dim, item_feature_dim):
    return [Input(shape=(1,), name='user_id', dtype='int32'), Input(shape=(1,), name='item_id', dtype='int32'),
            Input(shape=(user_feature_dim,), name='user_features'),
            Input(shape=(item_feature_dim,), name='item_features')]


def _joined(inputs, num_users, num_items, embedding_dim):
    user_id, item_id, user_features, item_features = inputs
    user_vec = Flatten()(Embedding(num_users + 1, embedding_dim)(user_id))  # row 0 spare
    item_vec = Flatten()(Embedding(num_items + 1, embedding_dim)(item_id))
    score = Dot(axes=1)([user_vec, item_vec])  # the matrix-factorization score
    return Concatenate()([user_vec, item_vec, score, user_features, item_features])


def build_hybrid_model(num_users, num_items, user_feature_dim, item_feature_dim, embedding_dim=32):
    inputs = _inputs(user_feature_dim, item_feature_dim)
    shared = Dense(128, activation='relu')(_joined(inputs, num_users, num_items, embedding_dim))
    shared = Dense(64, activation='relu')(shared)
    click = Dense(1, activation='sigmoid', name='click')(Dense(16, activation='relu')(shared))
    rating = Dense(1, name='rating')(Dense(16, activation='relu')(shared))  # linear head on scaled ratings
    model = Model(inputs, [click, rating])
    model.compile(optimizer=tf.keras.optimizers.SGD(learning_rate=0.05, momentum=0.9),
                  loss=['binary_crossentropy', 'mse'], loss_weights=[1.0, 3.0],
                  metrics=[['AUC'], ['RootMeanSquaredError']])
    return model


def build_single_task_model(num_users, num_items, user_feature_dim, item_feature_dim, task, embedding_dim=32):
    if task == 'click':
        loss, activation = tf.keras.losses.BinaryCrossentropy(), 'sigmoid'
    elif task == 'rating':
        loss, activation = tf.keras.losses.MeanSquaredError(), None
    else:
        raise ValueError('task must be click or rating')
    inputs = _inputs(user_feature_dim, item_feature_dim)
    hidden = Dense(64, activation='relu')(_joined(inputs, num_users, num_items, embedding_dim))
    output = Dense(1, activation=activation, name=task)(hidden)
    model = Model(inputs, output)
    model.compile(optimizer='adam', loss=loss)
    return model
