import tensorflow as tf

def step(encoder, decoder, optimizer, x):
    with tf.GradientTape(persistent=True) as tape:
        z = encoder(x)
        recon = tf.reduce_mean(tf.square(decoder(z) - x))
        enc_loss = recon + tf.reduce_mean(tf.square(z))
    enc_grads = tape.gradient(enc_loss, encoder.trainable_variables)
    dec_grads = tape.gradient(recon, decoder.trainable_variables)  # GL001
    optimizer.apply_gradients(zip(enc_grads, encoder.trainable_variables))
    del tape
