import tensorflow as tf

def step(actor, critic, optimizer, obs):
    with tf.GradientTape() as actor_tape, tf.GradientTape() as critic_tape:
        actor_loss = -tf.reduce_mean(critic(actor(obs)))
        critic_loss = tf.reduce_mean(tf.square(critic(actor(obs))))
    actor_grads = actor_tape.gradient(actor_loss, actor.trainable_variables)
    critic_grads = critic_tape.gradient(critic_loss, critic.trainable_variables)  # GL001
    optimizer.apply_gradients(zip(actor_grads, actor.trainable_variables))
    optimizer.apply_gradients(zip(actor_grads, actor.trainable_variables))
