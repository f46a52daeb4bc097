"""A correct answer as a subclassed keras.Model with raw weights and TensorFlow ops: one factor table and
one bias vector for users and items together (item ids offset by num_users), tf.gather lookups, the L2
penalty on the factor table through add_weight(regularizer=...), the mean as a trainable scalar, and a
call() that returns a dict with one named output."""
import tensorflow as tf
import keras


class OneTableFactorization(keras.Model):
    def __init__(self, num_users, num_items, embedding_dim, global_mean, l2, **kwargs):
        super().__init__(**kwargs)
        self.num_users = num_users
        self.factors = self.add_weight(
            shape=(num_users + num_items, embedding_dim), name="factors",
            initializer=keras.initializers.RandomNormal(stddev=0.05), regularizer=keras.regularizers.L2(l2))
        self.biases = self.add_weight(shape=(num_users + num_items,), name="biases", initializer="zeros")
        self.mu = self.add_weight(shape=(), name="mu", initializer=keras.initializers.Constant(global_mean))

    def call(self, inputs):
        users = tf.cast(tf.reshape(inputs["user_id"], [-1]), tf.int32)
        items = tf.cast(tf.reshape(inputs["item_id"], [-1]), tf.int32) + self.num_users  # rows after the users
        p_u = tf.gather(self.factors, users)  # (batch, embedding_dim)
        q_i = tf.gather(self.factors, items)
        rating = self.mu + tf.gather(self.biases, users) + tf.gather(self.biases, items) \
            + tf.reduce_sum(p_u * q_i, axis=1)  # (batch,)
        return {"rating": rating[:, None]}  # (batch, 1)


def build_matrix_factorization(num_users, num_items, embedding_dim=8, *, global_mean=3.0, l2=1e-4,
                               learning_rate=0.01):
    model = OneTableFactorization(num_users, num_items, embedding_dim, global_mean, l2)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss={"rating": "mse"})
    return model
