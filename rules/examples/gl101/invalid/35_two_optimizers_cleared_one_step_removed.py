# A trainer builds its encoder and decoder optimizers from configurable classes, clears both
# before the backward of one loss and steps only the decoder's: the encoder's step was
# deleted, so the encoder never learns.
import torch


class Seq2SeqTrainer:
    def __init__(self, model, encoder_optimizer=torch.optim.SGD, decoder_optimizer=torch.optim.SGD):
        self.model = model
        self.encoder_optimizer = encoder_optimizer
        self.decoder_optimizer = decoder_optimizer

    def initialize(self):
        self.encoder_optimizer_ = self.encoder_optimizer(self.model.encoder.parameters(), lr=0.1)
        self.decoder_optimizer_ = self.decoder_optimizer(self.model.decoder.parameters(), lr=0.1)

    def train_step(self, x, y):
        self.encoder_optimizer_.zero_grad()
        self.decoder_optimizer_.zero_grad()
        loss = torch.nn.functional.cross_entropy(self.model(x), y)
        loss.backward()  # GL101
        self.decoder_optimizer_.step()
        return loss.item()
