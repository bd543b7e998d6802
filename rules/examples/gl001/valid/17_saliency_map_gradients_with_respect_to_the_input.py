import tensorflow as tf

optimizer = tf.keras.optimizers.Adam()

def saliency(model, images):
    images = tf.convert_to_tensor(images)
    for _ in range(3):
        with tf.GradientTape() as tape:
            tape.watch(images)
            score = tf.reduce_max(model(images), axis=-1)
        saliency = tf.abs(tape.gradient(score, images))
        print(tf.reduce_max(saliency))
