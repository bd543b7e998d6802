import tensorflow as tf

def train_step(net, optimizer, x):
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            inner.watch(x)
            u = net(x)
        du_dx = inner.gradient(u, x)
        loss = tf.reduce_mean(tf.square(du_dx - u))
    grads = outer.gradient(loss, net.trainable_variables)
    optimizer.apply_gradients(zip(grads, net.trainable_variables))
