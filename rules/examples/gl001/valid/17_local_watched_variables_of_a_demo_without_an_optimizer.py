import tensorflow as tf

x = tf.Variable(2.0)

with tf.GradientTape() as tape:
    y = x**2
print([v.name for v in tape.watched_variables()])
dy_dx = tape.gradient(y, tape.watched_variables())
print(dy_dx)
