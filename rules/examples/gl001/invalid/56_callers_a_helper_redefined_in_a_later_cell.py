import tensorflow as tf

optimizer = tf.keras.optimizers.Adam(0.01)


def play_one_step(env, obs, model, loss_fn):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(loss_fn(obs, model(obs)))
    grads = tape.gradient(loss, model.trainable_variables)  # GL001
    return env.step(obs), grads


def play_episodes(env, n, model, loss_fn):
    all_grads = []
    for _ in range(n):
        obs, grads = play_one_step(env, env.reset(), model, loss_fn)
        all_grads.append(grads)
    return all_grads


for iteration in range(10):
    all_grads = play_episodes(env, 4, model, loss_fn)
    mean_grads = [tf.reduce_mean(g, axis=0) for g in zip(*all_grads)]


# A later cell of the notebook reuses the name for another agent: the loop above ran
# with the first definition, and nothing calls play_episodes after this one.
def play_one_step(env, state, epsilon):  # noqa: F811 (a notebook cell redefines it)
    return env.step(state), epsilon
