"""Matrix factorization, the traditional collaborative-filtering baseline (notebook 05).

Your exercise: replace each `raise NotImplementedError` with your code, then run
`python -m mtlrec.grade ex05_matrix_factorization` or the check cell of its notebook.

Biased matrix factorization (Koren, Bell and Volinsky, "Matrix factorization techniques for
recommender systems", IEEE Computer 2009) predicts the rating of user u for item i as

    r_hat(u, i) = mu + b_u + b_i + p_u . q_i

with a global mean mu, a bias per user and per item, and a vector of `embedding_dim` latent factors
per user (p_u) and per item (q_i), learned by minimising the squared error on the observed ratings
plus an L2 penalty on the factors. It uses IDs only: no content, one task. Notebook 05 sets it against
the multi-task hybrid under sparsity, label noise and cold start.
"""

import keras
from keras import layers


def build_matrix_factorization(num_users, num_items, embedding_dim=8, *, global_mean=3.0, l2=1e-4,
                               learning_rate=0.01):
    """Build and compile biased matrix factorization: r_hat = global_mean + b_u + b_i + p_u . q_i.

    Args:
        num_users: number of users; user ids are 0 .. num_users - 1.
        num_items: number of items; item ids are 0 .. num_items - 1.
        embedding_dim: number of latent factors per user and per item (length of p_u and q_i).
        global_mean: mu, the rating predicted before anything is learned (e.g. the training mean).
        l2: strength of the L2 penalty on the factor matrices P and Q themselves (not on the vectors
            looked up for a batch): keras.regularizers.L2(l2) as their embeddings_regularizer, so that
            model.losses adds up to l2 * (sum of P^2 + sum of Q^2); penalising the biases too is optional.
        learning_rate: Adam's learning rate.

    Returns:
        A keras.Model compiled with Adam(learning_rate) and mean squared error, taking a dict
        {"user_id": int array (batch,), "item_id": int array (batch,)} (ids read by key: the dict may
        come in any order) and returning the predicted ratings in stars, shape (batch, 1), with no
        activation, clipping or rounding (a rating is not a probability; ratings may be half stars).
        Before training, every prediction must lie within 0.5 stars of global_mean (small random
        factors, zero or small biases).

    TODO:
        1. Two integer inputs of shape () named "user_id" and "item_id".
        2. User factors: Embedding(num_users, embedding_dim) with the L2 penalty -> (batch, embedding_dim);
           item factors the same with num_items.
        3. Biases: Embedding(num_users, 1) and Embedding(num_items, 1), initialised to zeros -> (batch, 1).
        4. The dot product p_u . q_i -> (batch, 1); add both biases and global_mean.
        5. Make the model with the dict of inputs and compile it.

    Hints:
        1. keras.Input(shape=(), dtype="int32", name="user_id") gives a (batch,) id; an Embedding turns it
           into (batch, embedding_dim) directly, no Flatten needed.
        2. layers.Dot(axes=1)([user_vector, item_vector]) is the row-wise dot product, shape (batch, 1).
        3. layers.Add()([...]) sums tensors of the same shape; for the constant use
           layers.Rescaling(1.0, offset=global_mean) on the sum, or a bias Embedding initialised to it.
        4. keras.Model({"user_id": user_id, "item_id": item_id}, rating), then
           model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="mean_squared_error").
        5. Do not initialise the factors to zeros: the gradient of p_u . q_i is q_i (and p_u), so
           factors that start at zero never move. The default (small random) initialiser is fine.
    """
    raise NotImplementedError
