import tensorflow as tf


def learner_loop(agent, optimizer, strategy, dataset):
    temp_grads = [
        tf.Variable(tf.zeros_like(v), trainable=False) for v in agent.trainable_variables
    ]

    @tf.function
    def minimize(x):
        def compute_gradients(x):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(agent(x))
            grads = tape.gradient(loss, agent.trainable_variables)
            for t, g in zip(temp_grads, grads):
                t.assign(g)
            return loss

        loss = strategy.run(compute_gradients, (x,))

        def apply_gradients(loss):
            optimizer.apply_gradients(zip(temp_grads, agent.trainable_variables))
            return loss

        return strategy.run(apply_gradients, (loss,))

    for x in dataset:
        minimize(x)
