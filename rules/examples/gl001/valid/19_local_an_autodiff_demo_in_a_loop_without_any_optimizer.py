import tensorflow as tf

# A guide's demo: no optimizer anywhere, the gradient of y (not a loss) is printed on purpose.
x = tf.Variable(2.0)

for epoch in range(2):
    with tf.GradientTape() as tape:
        y = x + 1

    print(type(x).__name__, ":", tape.gradient(y, x))
    x = x + 1  # This should be `x.assign_add(1)`
